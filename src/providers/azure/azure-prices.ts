import type { InstancePrice } from '@app/providers/training-provider.port';
import { toMicros } from '@app/providers/bootstrap/price-cache';
import { azureFetch, type AzureConfig } from './azure-http';

const MAX_PAGES = 100;

interface RetailItem {
  currencyCode?: string;
  retailPrice?: number;
  unitOfMeasure?: string;
  armRegionName?: string;
  armSkuName?: string;
  skuName?: string;
  productName?: string;
  type?: string;
}

/** GPUs of the Azure GPU sizes (the Retail Prices API does not say); matched on the size name. */
const GPU_SIZES: Array<[RegExp, string, (size: string) => number]> = [
  [/^Standard_NC\d+as_T4_v3$/, 'T4', (s) => (s.startsWith('Standard_NC64') ? 4 : 1)],
  [/^Standard_NC\d+ads_A100_v4$/, 'A100', (s) => Number(/NC(\d+)/.exec(s)?.[1] ?? 24) / 24],
  [/^Standard_ND96a?m?sr_A100_v4$/, 'A100', () => 8],
  [/^Standard_NC\d+ads_H100_v5$/, 'H100', (s) => (s.startsWith('Standard_NC80') ? 2 : 1)],
  [/^Standard_ND96isr_H100_v5$/, 'H100', () => 8],
  [/^Standard_NC\d+s_v3$/, 'V100', (s) => Number(/NC(\d+)/.exec(s)?.[1] ?? 6) / 6],
  [/^Standard_NV\d+ads_A10_v5$/, 'A10', (s) => (/NV72/.test(s) ? 2 : 1)],
];

function gpuOf(size: string): { type: string | null; count: number } {
  for (const [pattern, type, count] of GPU_SIZES) {
    if (pattern.test(size)) return { type, count: Math.max(1, Math.floor(count(size))) };
  }
  return { type: null, count: 0 };
}

/**
 * Linux pay-as-you-go and Spot prices of one region from the Azure Retail Prices API, all pages followed
 * (`NextPageLink`), in the currency the API answers in. Windows and Low Priority meters are skipped.
 */
export async function loadAzurePrices(config: AzureConfig, region: string): Promise<InstancePrice[]> {
  const filter = `serviceName eq 'Virtual Machines' and armRegionName eq '${region}' and priceType eq 'Consumption'`;
  let url: string | null = `${config.prices_url}?$filter=${encodeURIComponent(filter)}`;
  const items: RetailItem[] = [];
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const response = await azureFetch(
      { method: 'GET', url, headers: { accept: 'application/json' } },
      { timeoutMs: config.request_timeout_ms, maxAttempts: config.max_attempts },
    );
    const body = (await response.json()) as { Items?: RetailItem[]; NextPageLink?: string | null };
    items.push(...(body.Items ?? []));
    url = body.NextPageLink || null;
  }
  return toPrices(items, region, new Date());
}

function toPrices(items: RetailItem[], region: string, fetchedAt: Date): InstancePrice[] {
  const bySize = new Map<string, { currency: string; onDemand?: number; spot?: number }>();
  for (const item of items) {
    const size = item.armSkuName;
    const sku = item.skuName ?? '';
    if (!size || typeof item.retailPrice !== 'number' || item.unitOfMeasure !== '1 Hour') continue;
    if (/Windows/i.test(item.productName ?? '') || /Low Priority/i.test(sku)) continue;
    const entry = bySize.get(size) ?? { currency: item.currencyCode ?? 'USD' };
    if (/Spot/i.test(sku)) entry.spot = item.retailPrice;
    else entry.onDemand = item.retailPrice;
    bySize.set(size, entry);
  }
  const prices: InstancePrice[] = [];
  for (const [size, entry] of bySize) {
    if (entry.onDemand === undefined) continue;
    const gpu = gpuOf(size);
    prices.push({
      provider: 'azure',
      instance_type: size,
      region,
      currency: entry.currency,
      on_demand_per_hour_micros: toMicros(entry.onDemand),
      spot_per_hour_micros: entry.spot === undefined ? null : toMicros(entry.spot),
      gpu_type: gpu.type,
      gpu_count: gpu.count,
      vcpus: null,
      memory_gb: null,
      fetched_at: fetchedAt,
      stale: false,
      source: 'azure:retail-prices',
    });
  }
  return prices.sort((a, b) => a.instance_type.localeCompare(b.instance_type));
}
