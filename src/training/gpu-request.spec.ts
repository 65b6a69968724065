import { describeGpu, offersGpu } from './gpu-request';

describe('offersGpu', () => {
  it('matches GPU models word by word, whatever the vendor’s spelling', () => {
    const a100 = { type: 'A100', count: 1 };

    const matches = ['A100 80GB', 'NVIDIA A100-SXM4', 'A100_SXM4'].map((t) =>
      offersGpu({ gpu_type: t, gpu_count: 1 }, a100),
    );
    const a10 = offersGpu({ gpu_type: 'A10', gpu_count: 1 }, a100);
    const a6000 = offersGpu({ gpu_type: 'NVIDIA RTX A6000', gpu_count: 1 }, { type: 'rtx a6000', count: 1 });

    expect(matches).toEqual([true, true, true]);
    expect(a10).toBe(false);
    expect(a6000).toBe(true);
  });

  it('needs enough GPUs, any model when none is named, and nothing when none is requested', () => {
    const two = { type: null, count: 2 };

    const one = offersGpu({ gpu_type: 'L40S', gpu_count: 1 }, two);
    const four = offersGpu({ gpu_type: 'L40S', gpu_count: 4 }, two);
    const cpu = offersGpu({ gpu_type: null, gpu_count: 0 }, { type: null, count: 0 });

    expect([one, four, cpu]).toEqual([false, true, true]);
    expect(describeGpu(two)).toBe('2 GPUs');
  });
});
