import { z } from 'zod';
import type { AppConfig } from '@app/config/app-config.schema';
import { PriceCache, toMicros } from '@app/providers/bootstrap/price-cache';
import { ProviderCapacityError } from '@app/providers/provider-errors';
import { BOOTSTRAP_ENV, containerCommand, encodeScript } from '@app/providers/http/container-entrypoint';
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

type VastConfig = AppConfig['vastai'];

const offer = z.object({
  id: z.number(),
  gpu_name: z.string(),
  num_gpus: z.number(),
  dph_total: z.number(),
  min_bid: z.number().nullable().optional(),
  cpu_cores_effective: z.number().nullable().optional(),
  cpu_ram: z.number().nullable().optional(),
  geolocation: z.string().nullable().optional(),
  reliability2: z.number().nullable().optional(),
});
const offers = z.object({ offers: z.array(offer) });
const instance = z.object({
  id: z.number(),
  label: z.string().nullable().optional(),
  actual_status: z.string().nullable().optional(),
  intended_status: z.string().nullable().optional(),
  status_msg: z.string().nullable().optional(),
});
const instances = z.object({ instances: z.array(instance) });
/** `GET /instances/{id}/` answers `{"instances": {...}}` (an object, not a list) in the documented examples. */
const oneInstance = z.object({ instances: z.union([instance, z.array(instance)]).nullable() });
const created = z.object({
  success: z.boolean(),
  new_contract: z.number().optional(),
  msg: z.string().optional(),
});

/**
 * Vast.ai over its REST API (bearer key). Offers are searched for the requested GPU; on-demand rents at the
 * listed price, interruptible capacity bids the offer's minimum bid. Prices are USD, from the offers.
 */
export class VastAiProvider extends RestVmProvider {
  readonly name = 'vastai';
  protected override readonly poweroff = null;
  private readonly api: RestClient;

  constructor(private readonly cfg: VastConfig) {
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
      notes: 'marketplace offers; interruptible by bid; prices in USD',
    };
  }

  protected defaultInstanceType(): string {
    return 'RTX_4090';
  }

  private search(query: Record<string, unknown>, limit: number) {
    const q = {
      verified: { eq: true },
      rentable: { eq: true },
      external: { eq: false },
      dph_total: { lte: this.cfg.max_price_per_hour },
      reliability2: { gte: this.cfg.min_reliability },
      disk_space: { gte: this.cfg.disk_gb },
      ...query,
    };
    return this.api.get('/bundles/', {
      query: { q: JSON.stringify(q), order: 'dph_total', limit },
      schema: offers,
    });
  }

  protected async findMachine(name: string): Promise<MachineRef | null> {
    const { data } = await this.api.get('/instances/', { schema: instances });
    const found = data.instances.find((i) => i.label === name);
    return found ? { id: String(found.id) } : null;
  }

  protected async createMachine(spec: LaunchSpec, launch: MachineLaunch): Promise<MachineRef> {
    const gpuName = (spec.gpu.type ?? launch.instance_type).replace(/ /g, '_');
    const { data } = await this.search(
      {
        gpu_name: { eq: gpuName },
        num_gpus: { gte: Math.max(1, spec.gpu.count) },
        type: spec.spot ? 'bid' : 'on-demand',
        ...(launch.region ? { geolocation: { eq: launch.region } } : {}),
      },
      10,
    );
    const chosen = data.offers[0];
    if (!chosen)
      throw new ProviderCapacityError(
        `no Vast.ai offer for ${gpuName} within ${this.cfg.max_price_per_hour} USD/h`,
        60,
      );
    const res = await this.api.send('PUT', `/asks/${chosen.id}/`, {
      json: {
        client_id: 'me',
        image:
          typeof spec.options.docker_image === 'string' ? spec.options.docker_image : this.cfg.docker_image,
        disk: this.cfg.disk_gb,
        label: launch.name,
        runtype: 'ssh',
        onstart: containerCommand(),
        env: { ...launch.env, [BOOTSTRAP_ENV]: encodeScript(launch.script) },
        ...(spec.spot ? { price: chosen.min_bid ?? chosen.dph_total } : {}),
      },
      schema: created,
    });
    if (!res.data.success || res.data.new_contract === undefined) {
      throw new ProviderCapacityError(
        `Vast.ai refused offer ${chosen.id}: ${res.data.msg ?? 'no contract'}`,
        30,
      );
    }
    return {
      id: String(res.data.new_contract),
      state: { offer_id: chosen.id, price_per_hour_usd: chosen.dph_total },
    };
  }

  protected async machinePhase(
    handle: ProviderJobHandle,
  ): Promise<{ phase: MachinePhase; message?: string }> {
    const res = await this.api.get(`/instances/${handle.provider_job_id}/`, {
      schema: oneInstance,
      allow: [404],
    });
    const raw = res.status === 404 ? null : res.data.instances;
    const i = Array.isArray(raw) ? raw[0] : raw;
    if (!i) return { phase: 'gone' };
    const status = i.actual_status ?? 'created';
    if (status === 'running') return { phase: 'running' };
    if (['created', 'loading', 'scheduling', 'rebooting'].includes(status)) return { phase: 'provisioning' };
    if (status === 'exited' || status === 'stopped' || status === 'offline') {
      return { phase: 'stopped', message: i.status_msg ?? `instance ${status}` };
    }
    return { phase: 'running' };
  }

  protected async deleteMachine(handle: ProviderJobHandle): Promise<void> {
    await this.api.send('DELETE', `/instances/${handle.provider_job_id}/`, { allow: [404] });
  }

  protected async listTaggedMachines(): Promise<TaggedMachine[]> {
    const { data } = await this.api.get('/instances/', { schema: instances });
    return data.instances.flatMap((i) => {
      const parsed = i.label ? parseMachineName(i.label) : null;
      return parsed ? [{ id: String(i.id), ...parsed }] : [];
    });
  }

  /** One price per GPU model and count: the cheapest current offer, on demand and as a minimum bid. */
  private async loadPrices(): Promise<InstancePrice[]> {
    const { data } = await this.search({ type: 'on-demand' }, 200);
    const fetchedAt = new Date();
    const best = new Map<string, z.infer<typeof offer>>();
    for (const o of data.offers) {
      const key = `${o.gpu_name}#${o.num_gpus}`;
      const seen = best.get(key);
      if (!seen || o.dph_total < seen.dph_total) best.set(key, o);
    }
    return [...best.values()].map((o) => ({
      provider: this.name,
      instance_type: o.gpu_name,
      region: o.geolocation ?? null,
      currency: 'USD',
      on_demand_per_hour_micros: toMicros(o.dph_total),
      spot_per_hour_micros: o.min_bid ? toMicros(o.min_bid) : null,
      gpu_type: o.gpu_name.replace(/_/g, ' '),
      gpu_count: o.num_gpus,
      vcpus: o.cpu_cores_effective ?? null,
      memory_gb: o.cpu_ram ? Math.round(o.cpu_ram / 102.4) / 10 : null,
      fetched_at: fetchedAt,
      stale: false,
      source: `${this.cfg.api_url}/bundles/`,
    }));
  }
}
