import { toMicros } from '@app/providers/bootstrap/price-cache';
import type { InstancePrice } from '@app/providers/training-provider.port';
import type { KubernetesConfig } from './kube-api';

/**
 * A cluster has no public price list: prices come from the configured table (`PRICES`, per hour by GPU type
 * or node type, in `CURRENCY`; CoreWeave's default is its per-GPU-hour list). A key that is not in the table
 * is simply not offered, so an unknown price never becomes a silent 0. A key whose value is a GPU type
 * (anything but `cpu`) is priced for one GPU.
 */
export function configuredPrices(
  provider: string,
  config: KubernetesConfig,
  fetchedAt: Date,
): InstancePrice[] {
  return Object.entries(config.prices)
    .map(([key, perHour]): InstancePrice => {
      const spot = config.spot_prices[key];
      const cpuOnly = key.toLowerCase() === 'cpu';
      return {
        provider,
        instance_type: key,
        region: config.regions[0] ?? null,
        currency: config.currency.toUpperCase(),
        on_demand_per_hour_micros: toMicros(perHour),
        spot_per_hour_micros: spot === undefined ? null : toMicros(spot),
        gpu_type: cpuOnly ? null : key,
        gpu_count: cpuOnly ? 0 : 1,
        vcpus: null,
        memory_gb: null,
        fetched_at: fetchedAt,
        stale: false,
        source: `configured:ARTENIC_${provider.toUpperCase()}__PRICES`,
      };
    })
    .sort((a, b) => a.instance_type.localeCompare(b.instance_type));
}
