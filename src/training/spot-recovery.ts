/**
 * Where a preempted spot job runs next: on spot again (same job, next attempt) while retries remain,
 * cycling through the configured failover providers and regions; then once on on-demand capacity when
 * the job allows it; otherwise nowhere (the job fails).
 */
export interface Placement {
  provider: string;
  region: string | null;
  instance_type: string | null;
  spot: boolean;
}

export interface RecoveryPolicy {
  max_preemption_retries: number;
  failover_regions: string[];
  /** Enabled, spot-capable providers to fail over to, in order. */
  failover_providers: string[];
}

export interface PreemptedJob {
  /** The provider the job was dispatched to. */
  provider: string;
  region: string | null;
  instance_type: string | null;
  is_spot: boolean;
  fallback_to_on_demand: boolean;
  /** Preemptions so far, including the one being handled (≥ 1). */
  preemption_count: number;
}

export function nextPlacement(job: PreemptedJob, policy: RecoveryPolicy): Placement | null {
  if (!job.is_spot) return null;
  if (job.preemption_count <= policy.max_preemption_retries) {
    const providers = [job.provider, ...policy.failover_providers.filter((p) => p !== job.provider)];
    return {
      provider: providers[job.preemption_count % providers.length] as string,
      region: nextRegion(job.region, job.preemption_count - 1, policy.failover_regions),
      instance_type: job.instance_type,
      spot: true,
    };
  }
  if (job.fallback_to_on_demand) {
    return { provider: job.provider, region: job.region, instance_type: job.instance_type, spot: false };
  }
  return null;
}

/** The reference's rule: regions[count % n], skipping the current region when there is another. */
export function nextRegion(current: string | null, count: number, regions: string[]): string | null {
  if (regions.length === 0) return current;
  const index = count % regions.length;
  const candidate = regions[index] as string;
  if (candidate === current && regions.length > 1) return regions[(index + 1) % regions.length] as string;
  return candidate;
}
