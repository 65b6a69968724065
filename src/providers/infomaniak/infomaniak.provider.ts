import { z } from 'zod';
import type { AppConfig } from '@app/config/app-config.schema';
import { toMicros } from '@app/providers/bootstrap/price-cache';
import { RestClient } from '@app/providers/http/rest-client';
import { OpenStackProvider, flavorGpu, type Flavor } from '@app/providers/openstack/openstack.provider';
import type { InstancePrice } from '@app/providers/training-provider.port';

/**
 * Infomaniak Public Cloud: OpenStack for compute. Infomaniak publishes no price API, so the price list is a
 * JSON document `{"<flavor>": <hourly price>}` in `price_currency`: read from `price_catalog_url` when set (a
 * list the operator keeps current), else from `ARTENIC_INFOMANIAK__PRICE_LIST`. Flavors without a price are not
 * offered for estimates (never priced as 0, as the reference did).
 */
export function createInfomaniakProvider(cfg: AppConfig['infomaniak']): OpenStackProvider {
  const http = new RestClient({
    provider: 'infomaniak',
    baseUrl: cfg.price_catalog_url || 'http://unused',
    timeoutMs: cfg.request_timeout_ms,
    maxRetries: cfg.max_attempts - 1,
  });
  return new OpenStackProvider(
    'infomaniak',
    cfg,
    async (flavors: Flavor[], fetchedAt: Date): Promise<InstancePrice[]> => {
      const list = cfg.price_catalog_url
        ? (
            await http.get(cfg.price_catalog_url, {
              absolute: true,
              schema: z.record(z.string(), z.number().min(0)),
            })
          ).data
        : cfg.price_list;
      const source = cfg.price_catalog_url || 'ARTENIC_INFOMANIAK__PRICE_LIST';
      return flavors.flatMap((f) => {
        const price = list[f.name];
        if (price === undefined) return [];
        const gpu = flavorGpu(f.name);
        return [
          {
            provider: 'infomaniak',
            instance_type: f.name,
            region: cfg.region,
            currency: cfg.price_currency,
            on_demand_per_hour_micros: toMicros(price),
            spot_per_hour_micros: null,
            gpu_type: gpu.type,
            gpu_count: gpu.count,
            vcpus: f.vcpus,
            memory_gb: Math.round(f.ram / 102.4) / 10,
            fetched_at: fetchedAt,
            stale: false,
            source,
          },
        ];
      });
    },
  );
}
