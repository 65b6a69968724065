import { gpuOf, jobName, labelValue } from './kubernetes-job-manifest';
import type { LaunchSpec } from '@app/providers/training-provider.port';

const spec = (over: Partial<LaunchSpec>): LaunchSpec =>
  ({ gpu: { type: null, count: 0 }, instance_type: null, options: {}, ...over }) as LaunchSpec;

describe('Kubernetes Job manifest helpers', () => {
  it('names one Job per attempt within the 63-character DNS-1123 limit, stable for the same attempt', () => {
    const long = `Job_${'x'.repeat(80)}`;

    const name = jobName({ job_id: long, attempt: 12 });

    expect(jobName({ job_id: 'd36a26f5-7e7a-4c6f-88b1-a52e010db02d', attempt: 2 })).toBe(
      'artenic-d36a26f5-7e7a-4c6f-88b1-a52e010db02d-a2',
    );
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(name.endsWith('-a12')).toBe(true);
    expect(jobName({ job_id: long, attempt: 12 })).toBe(name);
  });

  it('keeps valid label values and hashes the others', () => {
    expect(labelValue('abc-1')).toBe('abc-1');
    expect(labelValue('has space/slash')).toMatch(/^h-[0-9a-f]{40}$/);
    expect(labelValue('x'.repeat(64))).not.toBe('x'.repeat(64));
  });

  it('takes the GPU from the spec, else the dispatch config, else the instance type (one GPU)', () => {
    expect(gpuOf(spec({ gpu: { type: 'H100', count: 8 } }))).toEqual({ type: 'H100', count: 8 });
    expect(gpuOf(spec({ options: { gpu_type: 'L4', gpu_count: 2 } }))).toEqual({ type: 'L4', count: 2 });
    expect(gpuOf(spec({ instance_type: 'A40' }))).toEqual({ type: 'A40', count: 1 });
    expect(gpuOf(spec({}))).toEqual({ type: null, count: 0 });
    expect(gpuOf(spec({ instance_type: 'cpu' }))).toEqual({ type: null, count: 0 });
    expect(() => gpuOf(spec({ options: { gpu_count: 100 } }))).toThrow(/between 0 and 64/);
  });
});
