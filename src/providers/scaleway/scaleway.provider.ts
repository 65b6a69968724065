import { z } from 'zod';
import type { AppConfig } from '@app/config/app-config.schema';
import { invalid } from '@app/common/errors/domain-error';
import { PriceCache } from '@app/providers/bootstrap/price-cache';
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

type ScalewayConfig = AppConfig['scaleway'];

const server = z.object({
  id: z.string(),
  name: z.string(),
  state: z.string(),
  tags: z.array(z.string()).default([]),
  volumes: z.record(z.string(), z.object({ id: z.string() }).nullable()).default({}),
});
const serverOne = z.object({ server });
const serverList = z.object({ servers: z.array(server) });
const money = z.object({ currency_code: z.string(), units: z.coerce.number(), nanos: z.number().default(0) });
const product = z.object({
  product: z.string(),
  locality: z.object({ zone: z.string().optional() }).default({}),
  price: z.object({ retail_price: money }).optional(),
  unit_of_measure: z.object({ unit: z.string() }).optional(),
  properties: z
    .object({
      instance: z.object({ offer_id: z.string() }).optional(),
      hardware: z
        .object({
          cpu: z.object({ virtual: z.object({ count: z.number() }).optional() }).optional(),
          ram: z.object({ size: z.coerce.number() }).optional(),
          gpu: z
            .object({ count: z.number(), type: z.string().optional(), description: z.string().optional() })
            .nullable()
            .optional(),
        })
        .optional(),
    })
    .optional(),
});
const catalog = z.object({ products: z.array(product), total_count: z.number().optional() });

/**
 * Scaleway Instances over the REST API (`X-Auth-Token`). The bootstrap script is the server's cloud-init
 * user data (the reference sent none). On-demand only: Scaleway has no spot Instances. Prices come from the
 * public product catalog with their currency (EUR).
 */
export class ScalewayProvider extends RestVmProvider {
  readonly name = 'scaleway';
  private readonly api: RestClient;

  constructor(private readonly cfg: ScalewayConfig) {
    super({
      ...s3RunStorage(cfg.storage),
      prices: new PriceCache(() => this.loadPrices(), cfg.price_ttl_seconds * 1000),
    });
    this.api = new RestClient({
      provider: this.name,
      baseUrl: `${cfg.api_url.replace(/\/$/, '')}/instance/v1/zones`,
      timeoutMs: cfg.request_timeout_ms,
      maxRetries: cfg.max_attempts - 1,
      authenticate: () => ({ 'x-auth-token': cfg.secret_key }),
    });
  }

  capabilities(): ProviderCapabilities {
    return {
      spot: false,
      gpu: true,
      regions: this.cfg.regions.length ? this.cfg.regions : [this.cfg.zone],
      instance_types: [],
      notes: 'on-demand only (Scaleway has no spot Instances); prices in EUR from the product catalog',
    };
  }

  protected defaultInstanceType(): string {
    return this.cfg.default_instance_type;
  }

  private zone(region: string | null | undefined): string {
    return region ?? this.cfg.zone;
  }

  protected async findMachine(name: string, spec: LaunchSpec): Promise<MachineRef | null> {
    const zone = this.zone(spec.region);
    const { data } = await this.api.get(`/${zone}/servers`, {
      query: { name, project: this.cfg.project_id || undefined },
      schema: serverList,
    });
    const found = data.servers.find((s) => s.name === name);
    return found ? { id: found.id, state: { zone } } : null;
  }

  protected async createMachine(spec: LaunchSpec, launch: MachineLaunch): Promise<MachineRef> {
    const image = typeof spec.options.image_id === 'string' ? spec.options.image_id : this.cfg.image_id;
    if (!image)
      throw invalid(
        'SCALEWAY_IMAGE_REQUIRED',
        'set ARTENIC_SCALEWAY__IMAGE_ID (or config.image_id) to launch on Scaleway',
      );
    const zone = this.zone(launch.region);
    const { data } = await this.api.send('POST', `/${zone}/servers`, {
      json: {
        name: launch.name,
        commercial_type: launch.instance_type,
        image,
        project: this.cfg.project_id,
        tags: Object.entries(launch.labels).map(([k, v]) => `${k}=${v}`),
        dynamic_ip_required: true,
      },
      schema: serverOne,
    });
    const id = data.server.id;
    try {
      await this.api.send('PATCH', `/${zone}/servers/${id}/user_data/cloud-init`, {
        body: launch.script,
        headers: { 'content-type': 'text/plain' },
      });
      await this.api.send('POST', `/${zone}/servers/${id}/action`, { json: { action: 'poweron' } });
    } catch (error) {
      // A server that never got its script or never started is of no use: do not leave it behind.
      await this.removeServer(zone, id).catch(() => undefined);
      throw error;
    }
    return { id, state: { zone } };
  }

  protected async machinePhase(
    handle: ProviderJobHandle,
  ): Promise<{ phase: MachinePhase; message?: string }> {
    const res = await this.api.get(`/${this.handleZone(handle)}/servers/${handle.provider_job_id}`, {
      schema: serverOne,
      allow: [404],
    });
    if (res.status === 404) return { phase: 'gone' };
    const state = res.data.server.state;
    if (state === 'starting') return { phase: 'provisioning' };
    if (state === 'running') return { phase: 'running' };
    if (state === 'locked') return { phase: 'error', message: 'Scaleway locked the server' };
    return { phase: 'stopped', message: `server is ${state}` };
  }

  protected deleteMachine(handle: ProviderJobHandle): Promise<void> {
    return this.removeServer(this.handleZone(handle), handle.provider_job_id);
  }

  /** `terminate` removes a running server with its volumes; a stopped one is deleted, then its volumes. */
  private async removeServer(zone: string, id: string): Promise<void> {
    const res = await this.api.get(`/${zone}/servers/${id}`, { schema: serverOne, allow: [404] });
    if (res.status === 404) return;
    const s = res.data.server;
    if (s.state === 'running') {
      const terminated = await this.api.send('POST', `/${zone}/servers/${id}/action`, {
        json: { action: 'terminate' },
        allow: [400, 404],
      });
      // 400 "server is not running": it powered itself off between our read and the terminate (a finished
      // run does). It is then deleted as a stopped server below, volumes included.
      if (terminated.status !== 400) return;
    }
    if (s.state === 'starting' || s.state === 'stopping') {
      await this.api.send('POST', `/${zone}/servers/${id}/action`, {
        json: { action: 'poweroff' },
        allow: [400, 404],
      });
    }
    await this.api.send('DELETE', `/${zone}/servers/${id}`, { allow: [404] });
    for (const v of Object.values(s.volumes))
      if (v) await this.api.send('DELETE', `/${zone}/volumes/${v.id}`, { allow: [404] });
  }

  private handleZone(handle: ProviderJobHandle): string {
    return typeof handle.state.zone === 'string' ? handle.state.zone : this.zone(handle.region);
  }

  protected async listTaggedMachines(): Promise<TaggedMachine[]> {
    const out: TaggedMachine[] = [];
    for (const zone of this.capabilities().regions) {
      const { data } = await this.api.get(`/${zone}/servers`, {
        query: { tags: `${MANAGED_LABEL}=${MANAGED_VALUE}` },
        schema: serverList,
      });
      for (const s of data.servers) {
        const parsed = parseMachineName(s.name);
        if (parsed && s.tags.some((t) => t.startsWith(`${JOB_LABEL}=`))) out.push({ id: s.id, ...parsed });
      }
    }
    return out;
  }

  private async loadPrices(): Promise<InstancePrice[]> {
    const fetchedAt = new Date();
    const out: InstancePrice[] = [];
    for (let page = 1; ; page++) {
      const res: { data: z.infer<typeof catalog> } = await this.api.get(this.cfg.catalog_url, {
        absolute: true,
        query: { page, page_size: 100, product_types: 'instance' },
        schema: catalog,
      });
      for (const p of res.data.products) {
        const price = this.toPrice(p, fetchedAt);
        if (price) out.push(price);
      }
      if (res.data.products.length < 100) break;
    }
    return out;
  }

  private toPrice(p: z.infer<typeof product>, fetchedAt: Date): InstancePrice | null {
    const retail = p.price?.retail_price;
    const name = p.properties?.instance?.offer_id ?? p.product.replace(/ Instance$/, '');
    if (!retail || (p.unit_of_measure && p.unit_of_measure.unit !== 'hour')) return null;
    const hw = p.properties?.hardware;
    const gpu = hw?.gpu ?? null;
    return {
      provider: this.name,
      instance_type: name,
      region: p.locality.zone ?? null,
      currency: retail.currency_code,
      on_demand_per_hour_micros: retail.units * 1_000_000 + Math.round(retail.nanos / 1000),
      spot_per_hour_micros: null,
      gpu_type: gpu && gpu.count > 0 ? (gpu.type ?? gpu.description ?? 'GPU') : null,
      gpu_count: gpu?.count ?? 0,
      vcpus: hw?.cpu?.virtual?.count ?? null,
      memory_gb: hw?.ram?.size ? Math.round((hw.ram.size / 1024 ** 3) * 10) / 10 : null,
      fetched_at: fetchedAt,
      stale: false,
      source: this.cfg.catalog_url,
    };
  }
}
