import { aggregateMembers, type MemberJob } from './ensemble-job-status';

const member = (
  status: string,
  cost: number | null = null,
  completedAt: string | null = null,
): MemberJob => ({
  status,
  cost_actual_eur: cost,
  completed_at: completedAt,
});

describe('aggregateMembers', () => {
  it('is pending while every member is pending, running once one has moved', () => {
    const pending = aggregateMembers([member('pending'), member('pending')]);
    const running = aggregateMembers([member('provisioning'), member('pending')]);
    const halfDone = aggregateMembers([member('completed', 1.5), member('running')]);

    expect(pending).toMatchObject({ status: 'pending', completed_models: 0, failed_models: 0 });
    expect(running.status).toBe('running');
    expect(halfDone).toMatchObject({ status: 'running', completed_models: 1, completed_at: null });
  });

  it('finishes completed, failed or partial, at the last member completion, with the summed cost', () => {
    const done = aggregateMembers([
      member('completed', 0.1, '2025-11-27T08:00:00.000Z'),
      member('completed', 0.2, '2025-11-27T08:05:00.000Z'),
    ]);
    const failed = aggregateMembers([member('failed'), member('cancelled')]);
    const partial = aggregateMembers([member('completed', 1), member('failed')]);

    expect(done).toEqual({
      status: 'completed',
      completed_models: 2,
      failed_models: 0,
      total_cost_eur: 0.3,
      completed_at: new Date('2025-11-27T08:05:00.000Z'),
    });
    expect(failed).toMatchObject({ status: 'failed', completed_models: 0, failed_models: 2 });
    expect(partial).toMatchObject({ status: 'partial', completed_models: 1, failed_models: 1 });
  });
});
