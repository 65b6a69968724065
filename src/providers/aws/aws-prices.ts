import {
  DescribeInstanceTypesCommand,
  DescribeSpotPriceHistoryCommand,
  type EC2Client,
  type InstanceTypeInfo,
  type _InstanceType,
} from '@aws-sdk/client-ec2';
import type { InstancePrice } from '@app/providers/training-provider.port';
import { toMicros } from '@app/providers/bootstrap/price-cache';
import type { AwsConfig } from './aws-clients';

const MAX_PAGES = 20;

/**
 * The configured on-demand table (USD/hour) joined with what EC2 says about each type (vCPUs, memory, GPUs)
 * and the lowest current spot price in the region from the spot price history.
 */
export async function loadAwsPrices(config: AwsConfig, ec2: EC2Client): Promise<InstancePrice[]> {
  const types = Object.keys(config.on_demand_prices);
  if (types.length === 0) return [];
  const [infos, spot] = await Promise.all([describeTypes(ec2, types), lowestSpot(ec2, types)]);
  const fetchedAt = new Date();
  return types.map((type) => {
    const info = infos.get(type);
    const gpus = info?.GpuInfo?.Gpus ?? [];
    const spotPrice = spot.get(type);
    return {
      provider: 'aws',
      instance_type: type,
      region: config.region,
      currency: 'USD',
      on_demand_per_hour_micros: toMicros(config.on_demand_prices[type] ?? 0),
      spot_per_hour_micros: spotPrice === undefined ? null : toMicros(spotPrice),
      gpu_type: gpus[0]?.Name ?? null,
      gpu_count: gpus.reduce((n, g) => n + (g.Count ?? 0), 0),
      vcpus: info?.VCpuInfo?.DefaultVCpus ?? null,
      memory_gb: info?.MemoryInfo?.SizeInMiB
        ? Math.round((info.MemoryInfo.SizeInMiB / 1024) * 100) / 100
        : null,
      fetched_at: fetchedAt,
      stale: false,
      source: 'ec2:DescribeSpotPriceHistory+configured-on-demand',
    };
  });
}

/** One call for all types; a type EC2 does not know fails the batch, so then each is asked on its own. */
async function describeTypes(ec2: EC2Client, types: string[]): Promise<Map<string, InstanceTypeInfo>> {
  try {
    return await describeBatch(ec2, types);
  } catch (error) {
    if (!/InvalidInstanceType/.test((error as Error).name) || types.length === 1) throw error;
    const infos = new Map<string, InstanceTypeInfo>();
    for (const type of types) {
      const one = await describeBatch(ec2, [type]).catch(() => new Map<string, InstanceTypeInfo>());
      for (const [k, v] of one) infos.set(k, v);
    }
    return infos;
  }
}

async function describeBatch(ec2: EC2Client, types: string[]): Promise<Map<string, InstanceTypeInfo>> {
  const infos = new Map<string, InstanceTypeInfo>();
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await ec2.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: types as _InstanceType[], NextToken: token }),
    );
    for (const t of page.InstanceTypes ?? []) if (t.InstanceType) infos.set(t.InstanceType, t);
    token = page.NextToken;
  } while (token && ++pages < MAX_PAGES);
  return infos;
}

async function lowestSpot(ec2: EC2Client, types: string[]): Promise<Map<string, number>> {
  const lowest = new Map<string, number>();
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await ec2.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: types as _InstanceType[],
        ProductDescriptions: ['Linux/UNIX'],
        StartTime: new Date(),
        NextToken: token,
      }),
    );
    for (const entry of page.SpotPriceHistory ?? []) {
      const price = Number(entry.SpotPrice);
      if (!entry.InstanceType || !Number.isFinite(price)) continue;
      const current = lowest.get(entry.InstanceType);
      if (current === undefined || price < current) lowest.set(entry.InstanceType, price);
    }
    token = page.NextToken || undefined;
  } while (token && ++pages < MAX_PAGES);
  return lowest;
}
