import type { AuthClient } from 'google-auth-library';
import type { MachineTypesClient } from '@google-cloud/compute';
import type { InstancePrice } from '@app/providers/training-provider.port';
import { toMicros } from '@app/providers/bootstrap/price-cache';
import { callOptions, type GcpConfig } from './gcp-clients';
import { builtInAccelerator, gpuNameOf } from './gcp-instance';

/** Compute Engine's service id in the Cloud Billing Catalog. */
const COMPUTE_SERVICE = 'services/6F81-5844-456A';
const MAX_PAGES = 50;

interface Sku {
  description?: string;
  category?: { resourceFamily?: string; resourceGroup?: string; usageType?: string };
  serviceRegions?: string[];
  pricingInfo?: Array<{
    pricingExpression?: {
      tieredRates?: Array<{ unitPrice?: { currencyCode?: string; units?: string; nanos?: number } }>;
    };
  }>;
}

interface MachineShape {
  vcpus: number;
  memoryGb: number;
  gpu: { accelerator: string; count: number } | null;
}

/** USD/hour per unit (vCPU, GiB, GPU) for one usage type, keyed by `FAMILY:Core`, `FAMILY:Ram`, `GPU:NAME`. */
type RateTable = Map<string, number>;

/**
 * Each offered machine type priced from the Cloud Billing Catalog: its family's per-vCPU and per-GiB rates
 * (on-demand, and "Spot Preemptible" for spot) times its shape from Compute Engine, plus its built-in GPUs.
 */
export async function loadGcpPrices(
  config: GcpConfig,
  auth: AuthClient,
  machineTypes: MachineTypesClient,
): Promise<InstancePrice[]> {
  const types = offeredTypes(config);
  const [skus, shapes] = await Promise.all([
    listSkus(config, auth),
    Promise.all(types.map((t) => machineShape(config, machineTypes, t))),
  ]);
  const onDemand = rates(skus, config.region, 'OnDemand');
  const spot = rates(skus, config.region, 'Preemptible');
  const fetchedAt = new Date();
  const rows: InstancePrice[] = [];
  types.forEach((type, i) => {
    const shape = shapes[i]!;
    const price = (table: RateTable) => hourly(table, type, shape);
    const od = price(onDemand);
    if (od === null) return; // no SKU for this family in the region: not offered there
    const sp = price(spot);
    rows.push({
      provider: 'gcp',
      instance_type: type,
      region: config.region,
      currency: 'USD',
      on_demand_per_hour_micros: toMicros(od),
      spot_per_hour_micros: sp === null ? null : toMicros(sp),
      gpu_type: shape.gpu ? gpuNameOf(shape.gpu.accelerator) : null,
      gpu_count: shape.gpu?.count ?? 0,
      vcpus: shape.vcpus,
      memory_gb: shape.memoryGb,
      fetched_at: fetchedAt,
      stale: false,
      source: 'cloudbilling:services/6F81-5844-456A/skus',
    });
  });
  return rows;
}

/** The configured fallback table, used when the Billing Catalog cannot be read and nothing is cached. */
export function tablePrices(config: GcpConfig): InstancePrice[] {
  const fetchedAt = new Date();
  return Object.entries(config.price_table).map(([type, p]) => {
    const gpu = builtInAccelerator(type);
    return {
      provider: 'gcp',
      instance_type: type,
      region: config.region,
      currency: 'USD',
      on_demand_per_hour_micros: toMicros(p.on_demand),
      spot_per_hour_micros: p.spot === undefined ? null : toMicros(p.spot),
      gpu_type: gpu ? gpuNameOf(gpu.accelerator) : null,
      gpu_count: gpu?.count ?? 0,
      vcpus: null,
      memory_gb: null,
      fetched_at: fetchedAt,
      stale: false,
      source: 'configured:ARTENIC_GCP__PRICE_TABLE',
    };
  });
}

export function offeredTypes(config: GcpConfig): string[] {
  return config.machine_types.length ? config.machine_types : [config.default_machine_type];
}

async function listSkus(config: GcpConfig, auth: AuthClient): Promise<Sku[]> {
  const base = (config.billing_endpoint || 'https://cloudbilling.googleapis.com').replace(/\/+$/, '');
  const skus: Sku[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const res = await auth.request<{ skus?: Sku[]; nextPageToken?: string }>({
      url: `${base}/v1/${COMPUTE_SERVICE}/skus`,
      params: { currencyCode: 'USD', pageSize: 5000, ...(pageToken ? { pageToken } : {}) },
      timeout: config.request_timeout_ms,
    });
    skus.push(...(res.data.skus ?? []));
    pageToken = res.data.nextPageToken || undefined;
  } while (pageToken && ++pages < MAX_PAGES);
  return skus;
}

async function machineShape(
  config: GcpConfig,
  client: MachineTypesClient,
  type: string,
): Promise<MachineShape> {
  const [mt] = await client.get(
    { project: config.project_id, zone: config.zone, machineType: type },
    callOptions(config),
  );
  const acc = mt.accelerators?.[0];
  const gpu =
    acc?.guestAcceleratorType && acc.guestAcceleratorCount
      ? { accelerator: acc.guestAcceleratorType, count: acc.guestAcceleratorCount }
      : builtInAccelerator(type);
  return {
    vcpus: mt.guestCpus ?? 0,
    memoryGb: Math.round(((mt.memoryMb ?? 0) / 1024) * 100) / 100,
    gpu,
  };
}

const CORE_OR_RAM =
  /^(?:Spot Preemptible |Preemptible )?(\w+) (?:Predefined )?Instance (Core|Ram) running in /;
const GPU = /^(?:Spot Preemptible |Preemptible )?Nvidia (?:Tesla )?(.+?) GPU running in /;

function rates(skus: Sku[], region: string, usageType: 'OnDemand' | 'Preemptible'): RateTable {
  const table: RateTable = new Map();
  for (const sku of skus) {
    if (sku.category?.usageType !== usageType || !sku.serviceRegions?.includes(region)) continue;
    const rate = unitPrice(sku);
    if (rate === null) continue;
    const description = sku.description ?? '';
    const cr = CORE_OR_RAM.exec(description);
    if (cr) table.set(`${cr[1]!.toUpperCase()}:${cr[2]}`, rate);
    const gpu = sku.category.resourceGroup === 'GPU' ? GPU.exec(description) : null;
    if (gpu) table.set(`GPU:${gpu[1]!.toUpperCase().replace(/\s+/g, '-')}`, rate);
  }
  return table;
}

function unitPrice(sku: Sku): number | null {
  const tiers = sku.pricingInfo?.[0]?.pricingExpression?.tieredRates ?? [];
  const price = tiers[tiers.length - 1]?.unitPrice;
  if (!price || (price.currencyCode && price.currencyCode !== 'USD')) return null;
  return Number(price.units ?? 0) + (price.nanos ?? 0) / 1e9;
}

function hourly(table: RateTable, type: string, shape: MachineShape): number | null {
  const family = type.split('-')[0]!.toUpperCase();
  const core = table.get(`${family}:Core`);
  const ram = table.get(`${family}:Ram`);
  if (core === undefined || ram === undefined) return null;
  let total = core * shape.vcpus + ram * shape.memoryGb;
  if (shape.gpu) {
    const gpu = table.get(`GPU:${gpuNameOf(shape.gpu.accelerator).toUpperCase()}`);
    if (gpu === undefined) return null;
    total += gpu * shape.gpu.count;
  }
  return Math.round(total * 1e6) / 1e6;
}
