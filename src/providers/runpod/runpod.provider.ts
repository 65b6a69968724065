import { z } from 'zod';
import type { AppConfig } from '@app/config/app-config.schema';
import { PriceCache, toMicros } from '@app/providers/bootstrap/price-cache';
import { BOOTSTRAP_ENV, containerCommand, encodeScript } from '@app/providers/http/container-entrypoint';
import { ProviderApiError, RestClient } from '@app/providers/http/rest-client';
import {
  RestVmProvider,
  parseMachineName,
  type MachineLaunch,
  type MachinePhase,
  type MachineRef,
  type TaggedMachine,
} from '@app/providers/http/rest-vm-provider';
import { s3RunStorage } from '@app/providers/http/s3-run-storage';
import type {
  InstancePrice,
  LaunchSpec,
  ProviderCapabilities,
  ProviderJobHandle,
} from '@app/providers/training-provider.port';

type RunpodConfig = AppConfig['runpod'];

const podFields = 'id name desiredStatus lastStatusChange runtime { uptimeInSeconds }';
const pod = z.object({
  id: z.string(),
  name: z.string().nullable().optional(),
  desiredStatus: z.string(),
  lastStatusChange: z.string().nullable().optional(),
  runtime: z.object({ uptimeInSeconds: z.number().nullable().optional() }).nullable().optional(),
});
const gpuType = z.object({
  id: z.string(),
  displayName: z.string(),
  memoryInGb: z.number().nullable().optional(),
  secureCloud: z.boolean().nullable().optional(),
  communityCloud: z.boolean().nullable().optional(),
  lowestPrice: z
    .object({
      minimumBidPrice: z.number().nullable().optional(),
      uninterruptablePrice: z.number().nullable().optional(),
    })
    .nullable(),
});

const envelope = <T extends z.ZodTypeAny>(data: T) =>
  z.object({
    data: data.nullable().optional(),
    errors: z.array(z.object({ message: z.string() })).optional(),
  });

/**
 * RunPod over its GraphQL API. The key goes in the Authorization header, never in the URL (the reference's
 * query-string key ended up in logs). Spot runs as interruptible pods bidding a share of the on-demand price
 * (at least the current minimum bid). Prices are USD.
 */
export class RunpodProvider extends RestVmProvider {
  readonly name = 'runpod';
  protected override readonly poweroff = null;
  private readonly api: RestClient;

  constructor(private readonly cfg: RunpodConfig) {
    super({
      ...s3RunStorage(cfg.storage),
      prices: new PriceCache(() => this.loadPrices(), cfg.price_ttl_seconds * 1000),
    });
    this.api = RestClient.withBearer(this.name, cfg);
  }

  capabilities(): ProviderCapabilities {
    return {
      spot: true,
      gpu: true,
      regions: [],
      instance_types: [],
      notes: `GPU pods (${this.cfg.cloud_type} cloud); interruptible pods for spot; prices in USD`,
    };
  }

  protected defaultInstanceType(): string {
    return this.cfg.default_gpu_type;
  }

  /** One GraphQL call; GraphQL errors (HTTP 200 with `errors`) are API errors like any other. */
  private async gql<T extends z.ZodTypeAny>(
    query: string,
    variables: Record<string, unknown>,
    data: T,
  ): Promise<z.infer<T>> {
    const res = await this.api.send('POST', '', { json: { query, variables }, schema: envelope(data) });
    if (res.data.errors?.length || res.data.data === undefined || res.data.data === null) {
      const message = res.data.errors?.map((e) => e.message).join('; ') ?? 'empty answer';
      throw new ProviderApiError(this.name, res.status, `GraphQL: ${message}`, res.raw.toString('utf8'));
    }
    return res.data.data;
  }

  private async pods(): Promise<Array<z.infer<typeof pod>>> {
    const out = await this.gql(
      `query { myself { pods { ${podFields} } } }`,
      {},
      z.object({ myself: z.object({ pods: z.array(pod) }) }),
    );
    return out.myself.pods;
  }

  protected async findMachine(name: string): Promise<MachineRef | null> {
    const found = (await this.pods()).find((p) => p.name === name && p.desiredStatus !== 'TERMINATED');
    return found ? { id: found.id } : null;
  }

  protected async createMachine(spec: LaunchSpec, launch: MachineLaunch): Promise<MachineRef> {
    const input = {
      name: launch.name,
      imageName:
        typeof spec.options.docker_image === 'string' ? spec.options.docker_image : this.cfg.docker_image,
      gpuTypeId: launch.instance_type,
      gpuCount: Math.max(1, spec.gpu.count),
      cloudType: this.cfg.cloud_type,
      containerDiskInGb: this.cfg.container_disk_gb,
      volumeInGb: this.cfg.volume_gb,
      dockerArgs: containerCommand(),
      env: Object.entries({ ...launch.env, [BOOTSTRAP_ENV]: encodeScript(launch.script) }).map(
        ([key, value]) => ({ key, value }),
      ),
    };
    if (!spec.spot) {
      const out = await this.gql(
        `mutation Deploy($input: PodFindAndDeployOnDemandInput) { podFindAndDeployOnDemand(input: $input) { ${podFields} } }`,
        { input },
        z.object({ podFindAndDeployOnDemand: pod }),
      );
      return { id: out.podFindAndDeployOnDemand.id };
    }
    const bidPerGpu = await this.bidFor(launch.instance_type);
    const out = await this.gql(
      `mutation Rent($input: PodRentInterruptableInput!) { podRentInterruptable(input: $input) { ${podFields} } }`,
      { input: { ...input, bidPerGpu } },
      z.object({ podRentInterruptable: pod }),
    );
    return { id: out.podRentInterruptable.id, state: { bid_per_gpu_usd: bidPerGpu } };
  }

  private async bidFor(gpuTypeId: string): Promise<number> {
    const price = (await this.prices()).find((p) => p.instance_type === gpuTypeId);
    const minimum = (price?.spot_per_hour_micros ?? 0) / 1e6;
    const share = ((price?.on_demand_per_hour_micros ?? 0) / 1e6) * (this.cfg.spot_bid_pct / 100);
    return Math.round(Math.max(minimum, share) * 10_000) / 10_000;
  }

  protected async machinePhase(
    handle: ProviderJobHandle,
  ): Promise<{ phase: MachinePhase; message?: string }> {
    const out = await this.gql(
      `query Pod($input: PodFilter) { pod(input: $input) { ${podFields} } }`,
      { input: { podId: handle.provider_job_id } },
      z.object({ pod: pod.nullable() }),
    );
    const p = out.pod;
    if (!p || p.desiredStatus === 'TERMINATED') return { phase: 'gone' };
    if (p.desiredStatus === 'RUNNING') return { phase: p.runtime ? 'running' : 'provisioning' };
    if (p.desiredStatus === 'CREATED') return { phase: 'provisioning' };
    return { phase: 'stopped', message: p.lastStatusChange ?? `pod ${p.desiredStatus.toLowerCase()}` };
  }

  protected async deleteMachine(handle: ProviderJobHandle): Promise<void> {
    const out = await this.gql(
      `query Pod($input: PodFilter) { pod(input: $input) { id desiredStatus } }`,
      { input: { podId: handle.provider_job_id } },
      z.object({ pod: pod.pick({ id: true, desiredStatus: true }).nullable() }),
    );
    if (!out.pod || out.pod.desiredStatus === 'TERMINATED') return;
    await this.gql(
      'mutation Terminate($input: PodTerminateInput!) { podTerminate(input: $input) }',
      { input: { podId: handle.provider_job_id } },
      z.object({ podTerminate: z.unknown() }),
    );
  }

  protected async listTaggedMachines(): Promise<TaggedMachine[]> {
    return (await this.pods()).flatMap((p) => {
      const parsed = p.desiredStatus !== 'TERMINATED' && p.name ? parseMachineName(p.name) : null;
      return parsed ? [{ id: p.id, ...parsed }] : [];
    });
  }

  private async loadPrices(): Promise<InstancePrice[]> {
    const out = await this.gql(
      'query { gpuTypes { id displayName memoryInGb secureCloud communityCloud lowestPrice(input: { gpuCount: 1 }) { minimumBidPrice uninterruptablePrice } } }',
      {},
      z.object({ gpuTypes: z.array(gpuType) }),
    );
    const fetchedAt = new Date();
    const cloud = this.cfg.cloud_type;
    return out.gpuTypes
      .filter((g) => cloud === 'ALL' || (cloud === 'SECURE' ? g.secureCloud : g.communityCloud))
      .filter((g) => (g.lowestPrice?.uninterruptablePrice ?? 0) > 0)
      .map((g) => ({
        provider: this.name,
        instance_type: g.id,
        region: null,
        currency: 'USD',
        on_demand_per_hour_micros: toMicros(g.lowestPrice!.uninterruptablePrice!),
        spot_per_hour_micros: g.lowestPrice?.minimumBidPrice ? toMicros(g.lowestPrice.minimumBidPrice) : null,
        gpu_type: g.displayName,
        gpu_count: 1,
        vcpus: null,
        memory_gb: g.memoryInGb ?? null,
        fetched_at: fetchedAt,
        stale: false,
        source: `${this.cfg.api_url} gpuTypes`,
      }));
  }
}
