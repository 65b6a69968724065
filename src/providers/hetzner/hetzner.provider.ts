import { z } from 'zod';
import type { AppConfig } from '@app/config/app-config.schema';
import { PriceCache, toMicros } from '@app/providers/bootstrap/price-cache';
import { RestClient } from '@app/providers/http/rest-client';
import {
  JOB_LABEL,
  MANAGED_LABEL,
  MANAGED_VALUE,
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

type HetznerConfig = AppConfig['hetzner'];

const server = z.object({
  id: z.number(),
  name: z.string(),
  status: z.string(),
  labels: z.record(z.string(), z.string()).default({}),
});
const serverList = z.object({ servers: z.array(server) });
const serverOne = z.object({ server });
const serverTypes = z.object({
  server_types: z.array(
    z.object({
      name: z.string(),
      description: z.string().default(''),
      cores: z.number(),
      memory: z.number(),
      deprecated: z.boolean().nullable().optional(),
      prices: z.array(
        z.object({ location: z.string(), price_hourly: z.object({ net: z.string(), gross: z.string() }) }),
      ),
    }),
  ),
  meta: z.object({ pagination: z.object({ next_page: z.number().nullable() }) }).optional(),
});

/**
 * Hetzner Cloud over its REST API (bearer token). On-demand servers only: Hetzner Cloud has no spot market.
 * Prices are the API's net hourly EUR price per location.
 */
export class HetznerProvider extends RestVmProvider {
  readonly name = 'hetzner';
  private readonly api: RestClient;

  constructor(private readonly cfg: HetznerConfig) {
    const api = RestClient.withBearer('hetzner', cfg);
    super({
      ...s3RunStorage(cfg.storage),
      prices: new PriceCache(() => this.loadPrices(), cfg.price_ttl_seconds * 1000),
    });
    this.api = api;
  }

  capabilities(): ProviderCapabilities {
    return {
      spot: false,
      gpu: false,
      regions: this.cfg.regions.length ? this.cfg.regions : [this.cfg.location],
      instance_types: [],
      notes: 'on-demand only (Hetzner Cloud has no spot capacity); prices in EUR, net of VAT',
    };
  }

  protected defaultInstanceType(): string {
    return this.cfg.default_server_type;
  }

  protected async findMachine(name: string): Promise<MachineRef | null> {
    const { data } = await this.api.get('/servers', { query: { name }, schema: serverList });
    const found = data.servers[0];
    return found ? { id: String(found.id) } : null;
  }

  protected async createMachine(spec: LaunchSpec, launch: MachineLaunch): Promise<MachineRef> {
    const { data } = await this.api.send('POST', '/servers', {
      json: {
        name: launch.name,
        server_type: launch.instance_type,
        image: typeof spec.options.image === 'string' ? spec.options.image : this.cfg.image,
        location: launch.region ?? this.cfg.location,
        user_data: launch.script,
        labels: launch.labels,
        start_after_create: true,
        ...(this.cfg.ssh_key_name ? { ssh_keys: [this.cfg.ssh_key_name] } : {}),
      },
      schema: serverOne,
    });
    return { id: String(data.server.id) };
  }

  protected async machinePhase(
    handle: ProviderJobHandle,
  ): Promise<{ phase: MachinePhase; message?: string }> {
    const res = await this.api.get(`/servers/${handle.provider_job_id}`, { schema: serverOne, allow: [404] });
    if (res.status === 404) return { phase: 'gone' };
    const status = res.data.server.status;
    if (status === 'initializing' || status === 'starting') return { phase: 'provisioning' };
    if (status === 'running' || status === 'migrating' || status === 'rebuilding' || status === 'unknown')
      return { phase: 'running' };
    return { phase: status === 'deleting' ? 'gone' : 'stopped', message: `server is ${status}` };
  }

  protected async deleteMachine(handle: ProviderJobHandle): Promise<void> {
    await this.api.send('DELETE', `/servers/${handle.provider_job_id}`, { allow: [404] });
  }

  protected async listTaggedMachines(): Promise<TaggedMachine[]> {
    const { data } = await this.api.get('/servers', {
      query: { label_selector: `${MANAGED_LABEL}=${MANAGED_VALUE}`, per_page: 50 },
      schema: serverList,
    });
    return data.servers.flatMap((s) => {
      const parsed = parseMachineName(s.name);
      return parsed && s.labels[JOB_LABEL] ? [{ id: String(s.id), ...parsed }] : [];
    });
  }

  private async loadPrices(): Promise<InstancePrice[]> {
    const fetchedAt = new Date();
    const out: InstancePrice[] = [];
    for (let page: number | null = 1; page !== null;) {
      const res: { data: z.infer<typeof serverTypes> } = await this.api.get('/server_types', {
        query: { page, per_page: 50 },
        schema: serverTypes,
      });
      const data = res.data;
      for (const t of data.server_types) {
        if (t.deprecated) continue;
        const gpu = /gpu/i.test(`${t.name} ${t.description}`);
        for (const p of t.prices) {
          out.push({
            provider: this.name,
            instance_type: t.name,
            region: p.location,
            currency: 'EUR',
            on_demand_per_hour_micros: toMicros(Number(p.price_hourly.net)),
            spot_per_hour_micros: null,
            gpu_type: gpu ? 'GPU' : null,
            gpu_count: gpu ? 1 : 0,
            vcpus: t.cores,
            memory_gb: t.memory,
            fetched_at: fetchedAt,
            stale: false,
            source: `${this.cfg.api_url}/server_types`,
          });
        }
      }
      page = data.meta?.pagination.next_page ?? null;
    }
    return out;
  }
}
