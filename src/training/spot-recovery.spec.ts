import { nextPlacement, nextRegion, type PreemptedJob, type RecoveryPolicy } from './spot-recovery';

const job = (over: Partial<PreemptedJob> = {}): PreemptedJob => ({
  provider: 'mock',
  region: 'A',
  instance_type: 'mock-gpu-a100',
  is_spot: true,
  fallback_to_on_demand: true,
  preemption_count: 1,
  ...over,
});
const policy = (over: Partial<RecoveryPolicy> = {}): RecoveryPolicy => ({
  max_preemption_retries: 2,
  failover_regions: [],
  failover_providers: [],
  ...over,
});

describe('spot recovery placement', () => {
  it('cycles regions as the reference did, skipping the current one', () => {
    const regions = ['A', 'B', 'C'];

    const picks = [0, 1, 2, 3].map((count) => nextRegion('Z', count, regions));
    const skip = nextRegion('A', 0, regions);

    expect(picks).toEqual(['A', 'B', 'C', 'A']);
    expect(skip).toBe('B');
  });

  it('retries on spot while retries remain, moving to a failover provider', () => {
    const placement = nextPlacement(job(), policy({ failover_providers: ['other'] }));

    expect(placement).toEqual({ provider: 'other', region: 'A', instance_type: 'mock-gpu-a100', spot: true });
  });

  it('falls back to on-demand after the last retry, or gives up when not allowed', () => {
    const exhausted = job({ preemption_count: 3 });

    const fallback = nextPlacement(exhausted, policy());
    const none = nextPlacement({ ...exhausted, fallback_to_on_demand: false }, policy());

    expect(fallback).toEqual({ provider: 'mock', region: 'A', instance_type: 'mock-gpu-a100', spot: false });
    expect(none).toBeNull();
  });

  it('never recovers an on-demand job', () => {
    const placement = nextPlacement(job({ is_spot: false }), policy());

    expect(placement).toBeNull();
  });
});
