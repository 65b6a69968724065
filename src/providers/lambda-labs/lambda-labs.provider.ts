import { z } from 'zod';
import type { AppConfig } from '@app/config/app-config.schema';
import { invalid } from '@app/common/errors/domain-error';
import { PriceCache } from '@app/providers/bootstrap/price-cache';
import { RestClient } from '@app/providers/http/rest-client';
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

type LambdaConfig = AppConfig['lambda_labs'];

const instance = z.object({ id: z.string(), name: z.string().nullable().optional(), status: z.string() });
const instances = z.object({ data: z.array(instance) });
const oneInstance = z.object({ data: instance });
const launched = z.object({ data: z.object({ instance_ids: z.array(z.string()).min(1) }) });
const instanceTypes = z.object({
  data: z.record(
    z.string(),
    z.object({
      instance_type: z.object({
        name: z.string(),
        description: z.string().default(''),
        gpu_description: z.string().optional(),
        price_cents_per_hour: z.number(),
        specs: z.object({ vcpus: z.number(), memory_gib: z.number(), gpus: z.number() }),
      }),
      regions_with_capacity_available: z.array(z.object({ name: z.string() })),
    }),
  ),
});

const GPU_NAMES = ['GH200', 'H200', 'H100', 'A100', 'A6000', 'A10', 'RTX 6000', 'L40S', 'L40', 'V100'];

/**
 * Lambda Cloud over its REST API (bearer key). Training runs from cloud-init user data, the shared bootstrap
 * script (the reference never started it). On-demand only; prices are USD, the API's own currency.
 */
export class LambdaLabsProvider extends RestVmProvider {
  readonly name = 'lambda_labs';
  private readonly api: RestClient;

  constructor(private readonly cfg: LambdaConfig) {
    super({
      ...s3RunStorage(cfg.storage),
      prices: new PriceCache(() => this.loadPrices(), cfg.price_ttl_seconds * 1000),
    });
    this.api = RestClient.withBearer(this.name, cfg);
  }

  capabilities(): ProviderCapabilities {
    return {
      spot: false,
      gpu: true,
      regions: [this.cfg.region],
      instance_types: [],
      notes: 'on-demand only; prices in USD',
    };
  }

  protected defaultInstanceType(): string {
    return this.cfg.default_instance_type;
  }

  protected async findMachine(name: string): Promise<MachineRef | null> {
    const { data } = await this.api.get('/instances', { schema: instances });
    const found = data.data.find((i) => i.name === name && i.status !== 'terminated');
    return found ? { id: found.id } : null;
  }

  protected async createMachine(_spec: LaunchSpec, launch: MachineLaunch): Promise<MachineRef> {
    if (!this.cfg.ssh_key_name)
      throw invalid(
        'LAMBDA_SSH_KEY_REQUIRED',
        'Lambda Cloud needs ARTENIC_LAMBDA_LABS__SSH_KEY_NAME to launch',
      );
    const { data } = await this.api.send('POST', '/instance-operations/launch', {
      json: {
        region_name: launch.region ?? this.cfg.region,
        instance_type_name: launch.instance_type,
        ssh_key_names: [this.cfg.ssh_key_name],
        name: launch.name,
        quantity: 1,
        user_data: launch.script,
      },
      schema: launched,
    });
    return { id: data.data.instance_ids[0]! };
  }

  protected async machinePhase(
    handle: ProviderJobHandle,
  ): Promise<{ phase: MachinePhase; message?: string }> {
    const res = await this.api.get(`/instances/${handle.provider_job_id}`, {
      schema: oneInstance,
      allow: [404],
    });
    if (res.status === 404) return { phase: 'gone' };
    const status = res.data.data.status;
    if (status === 'booting') return { phase: 'provisioning' };
    if (status === 'active') return { phase: 'running' };
    if (status === 'unhealthy') return { phase: 'error', message: 'Lambda reports the instance unhealthy' };
    return { phase: 'gone', message: `instance is ${status}` };
  }

  protected async deleteMachine(handle: ProviderJobHandle): Promise<void> {
    const res = await this.api.get(`/instances/${handle.provider_job_id}`, {
      schema: oneInstance,
      allow: [404],
    });
    if (res.status === 404 || res.data.data.status === 'terminated') return;
    await this.api.send('POST', '/instance-operations/terminate', {
      json: { instance_ids: [handle.provider_job_id] },
      allow: [404],
    });
  }

  protected async listTaggedMachines(): Promise<TaggedMachine[]> {
    const { data } = await this.api.get('/instances', { schema: instances });
    return data.data.flatMap((i) => {
      const parsed = i.status !== 'terminated' && i.name ? parseMachineName(i.name) : null;
      return parsed ? [{ id: i.id, ...parsed }] : [];
    });
  }

  private async loadPrices(): Promise<InstancePrice[]> {
    const { data } = await this.api.get('/instance-types', { schema: instanceTypes });
    const fetchedAt = new Date();
    return Object.values(data.data).flatMap(
      ({ instance_type: t, regions_with_capacity_available: regions }) => {
        const label = `${t.gpu_description ?? ''} ${t.description} ${t.name}`
          .toUpperCase()
          .replace(/_/g, ' ');
        const gpuType = GPU_NAMES.find((g) => label.includes(g)) ?? (t.specs.gpus > 0 ? 'GPU' : null);
        const base = {
          provider: this.name,
          instance_type: t.name,
          currency: 'USD',
          on_demand_per_hour_micros: t.price_cents_per_hour * 10_000,
          spot_per_hour_micros: null,
          gpu_type: gpuType,
          gpu_count: t.specs.gpus,
          vcpus: t.specs.vcpus,
          memory_gb: t.specs.memory_gib,
          fetched_at: fetchedAt,
          stale: false,
          source: `${this.cfg.api_url}/instance-types`,
        };
        // One entry per region with capacity: a type without capacity anywhere cannot be launched now.
        return regions.map((r) => ({ ...base, region: r.name }));
      },
    );
  }
}
