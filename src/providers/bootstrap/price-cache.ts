import type { InstancePrice } from '@app/providers/training-provider.port';

/**
 * Prices of one provider, refreshed at most every `ttlMs`. A failed refresh keeps the last prices, marked
 * `stale`, and remembers why; without any earlier prices the failure propagates. The cache is a performance
 * aid only (prices are re-read after a restart), so it is not job state.
 */
export class PriceCache {
  private prices: InstancePrice[] | null = null;
  private loadedAt = 0;
  private inflight: Promise<InstancePrice[]> | null = null;
  lastError: string | null = null;

  constructor(
    private readonly load: () => Promise<InstancePrice[]>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<InstancePrice[]> {
    if (this.prices && this.now() - this.loadedAt < this.ttlMs) return this.prices;
    this.inflight ??= this.refresh().finally(() => (this.inflight = null));
    return this.inflight;
  }

  private async refresh(): Promise<InstancePrice[]> {
    try {
      const fresh = await this.load();
      this.prices = fresh;
      this.loadedAt = this.now();
      this.lastError = null;
      return fresh;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      if (!this.prices) throw error;
      // Retry at the next call after a short pause rather than a full TTL.
      this.loadedAt = this.now() - this.ttlMs + Math.min(this.ttlMs, 30_000);
      this.prices = this.prices.map((p) => ({ ...p, stale: true }));
      return this.prices;
    }
  }
}

/** USD, EUR … per hour as a float from a price source → integer micro-units. */
export const toMicros = (perHour: number): number => Math.round(perHour * 1_000_000);

/**
 * The cheapest instance type offering the requested GPUs (type matched case-insensitively as a substring,
 * so `A100` matches `A100-80GB`), or null.
 */
export function cheapestForGpu(
  prices: InstancePrice[],
  gpu: { type: string | null; count: number },
  spot: boolean,
): InstancePrice | null {
  const wanted = gpu.type?.toLowerCase().replace(/^nvidia[- ]/, '') ?? null;
  const matches = prices.filter(
    (p) =>
      p.gpu_count >= gpu.count &&
      (wanted === null || (p.gpu_type ?? '').toLowerCase().includes(wanted)) &&
      (!spot || p.spot_per_hour_micros !== null),
  );
  const cost = (p: InstancePrice) =>
    spot ? (p.spot_per_hour_micros ?? Infinity) : p.on_demand_per_hour_micros;
  return matches.sort((a, b) => cost(a) - cost(b))[0] ?? null;
}
