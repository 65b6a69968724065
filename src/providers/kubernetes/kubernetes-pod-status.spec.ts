import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { podView } from './kubernetes-pod-status';

const job = (status: V1Job['status'] = { active: 1 }): V1Job => ({ metadata: { name: 'j' }, status });
const pod = (status: V1Pod['status'], createdAt = '2026-01-01T00:00:00Z'): V1Pod => ({
  metadata: { name: `p-${createdAt}`, creationTimestamp: new Date(createdAt) },
  status,
});

describe('podView', () => {
  it('reports a DisruptionTarget condition or a graceful node shutdown as an interruption', () => {
    const disrupted = pod({
      phase: 'Failed',
      conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager' }],
    });
    const shutdown = pod({ phase: 'Failed', reason: 'Terminated', message: 'imminent node shutdown' });

    const a = podView(job(), [disrupted]);
    const b = podView(job(), [shutdown]);

    expect(a).toMatchObject({ preempted: true, detail: 'DisruptionTarget DeletionByTaintManager' });
    expect(b).toMatchObject({ preempted: true, detail: 'Terminated imminent node shutdown' });
  });

  it('maps the Job conditions and the newest pod phase', () => {
    const deadline = job({ conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }] });
    const older = pod({ phase: 'Failed' }, '2026-01-01T00:00:00Z');
    const newer = pod({ phase: 'Running' }, '2026-01-01T00:01:00Z');

    expect(podView(deadline, [])).toMatchObject({ phase: 'stopped', detail: 'Job failed: DeadlineExceeded' });
    expect(podView(job({ conditions: [{ type: 'Complete', status: 'True' }] }), [])).toMatchObject({
      phase: 'stopped',
      preempted: false,
    });
    expect(podView(job(), [older, newer]).phase).toBe('running');
    expect(podView(job(), []).phase).toBe('provisioning');
    expect(podView(job(), [pod({ phase: 'Succeeded' })]).phase).toBe('stopping');
  });

  it('a pod that can never start is stopped; one still pulling its image is provisioning', () => {
    const waiting = (reason: string) =>
      pod({
        phase: 'Pending',
        containerStatuses: [
          {
            name: 't',
            image: 'i',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason } },
          },
        ],
      });

    expect(podView(job(), [waiting('InvalidImageName')])).toMatchObject({ phase: 'stopped' });
    expect(podView(job(), [waiting('ContainerCreating')])).toMatchObject({ phase: 'provisioning' });
  });
});
