import { z } from 'zod';
import type { AppConfig } from '@app/config/app-config.schema';
import { RestClient } from '@app/providers/http/rest-client';
import { OpenStackProvider, flavorGpu, type Flavor } from '@app/providers/openstack/openstack.provider';
import type { InstancePrice } from '@app/providers/training-provider.port';

const catalog = z.object({
  locale: z.object({ currencyCode: z.string() }),
  addons: z.array(
    z.object({
      planCode: z.string(),
      pricings: z.array(
        z.object({
          price: z.number(),
          intervalUnit: z.string().optional(),
          capacities: z.array(z.string()).optional(),
        }),
      ),
    }),
  ),
});

/**
 * OVHcloud Public Cloud: OpenStack for compute, prices from OVH's public order catalog (no signed OVH API call
 * needed; the reference called an authenticated endpoint without credentials and got 0). Catalog prices are
 * in 10⁻⁸ units of the catalog's currency; hourly flavors are the `<flavor>.consumption` add-ons.
 */
export function createOvhProvider(cfg: AppConfig['ovh']): OpenStackProvider {
  const http = new RestClient({
    provider: 'ovh',
    baseUrl: cfg.price_catalog_url,
    timeoutMs: cfg.request_timeout_ms,
    maxRetries: cfg.max_attempts - 1,
  });
  return new OpenStackProvider(
    'ovh',
    cfg,
    async (flavors: Flavor[], fetchedAt: Date): Promise<InstancePrice[]> => {
      const { data } = await http.get(cfg.price_catalog_url, { absolute: true, schema: catalog });
      const hourly = new Map<string, number>();
      for (const addon of data.addons) {
        const m = /^(.+)\.consumption$/.exec(addon.planCode);
        const pricing = addon.pricings.find((p) => p.intervalUnit === 'hour') ?? addon.pricings[0];
        if (m?.[1] && pricing && !hourly.has(m[1])) hourly.set(m[1], pricing.price);
      }
      return flavors.flatMap((f) => {
        const price = hourly.get(f.name);
        if (price === undefined) return [];
        const gpu = flavorGpu(f.name);
        return [
          {
            provider: 'ovh',
            instance_type: f.name,
            region: cfg.region,
            currency: data.locale.currencyCode,
            on_demand_per_hour_micros: Math.round(price / 100),
            spot_per_hour_micros: null,
            gpu_type: gpu.type,
            gpu_count: gpu.count,
            vcpus: f.vcpus,
            memory_gb: Math.round(f.ram / 102.4) / 10,
            fetched_at: fetchedAt,
            stale: false,
            source: cfg.price_catalog_url,
          },
        ];
      });
    },
  );
}
