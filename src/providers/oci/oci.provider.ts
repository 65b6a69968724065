import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { AppConfig } from '@app/config/app-config.schema';
import { invalid } from '@app/common/errors/domain-error';
import { PriceCache, toMicros } from '@app/providers/bootstrap/price-cache';
import { RestClient } from '@app/providers/http/rest-client';
import {
  JOB_LABEL,
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
import { ociSigningKey, signOciRequest } from './oci-request-signer';

type OciConfig = AppConfig['oci'];

const instance = z.object({
  id: z.string(),
  displayName: z.string().nullable().optional(),
  lifecycleState: z.string(),
  freeformTags: z.record(z.string(), z.string()).nullable().optional(),
});
const priceList = z.object({
  items: z.array(
    z.object({
      partNumber: z.string(),
      currencyCodeLocalizations: z.array(
        z.object({
          currencyCode: z.string(),
          prices: z.array(z.object({ model: z.string(), value: z.number() })),
        }),
      ),
    }),
  ),
});

const API_VERSION = '/20160918';

/**
 * Oracle Cloud Infrastructure Compute over its REST API with OCI request signing. Oracle's Node SDK (oci-core
 * + oci-common) would add about fifteen packages (node-fetch 2, isomorphic-fetch, jsonwebtoken, an older
 * opossum …) for four calls, so the adapter signs requests itself. Spot is a preemptible instance; prices come
 * from Oracle's public price list, per shape through the configured part numbers.
 */
export class OciProvider extends RestVmProvider {
  readonly name = 'oci';
  private readonly api: RestClient;
  private readonly priceApi: RestClient;

  constructor(private readonly cfg: OciConfig) {
    super({
      ...s3RunStorage(cfg.storage),
      prices: new PriceCache(() => this.loadPrices(), cfg.price_ttl_seconds * 1000),
    });
    const pem = cfg.private_key || (cfg.key_file ? readFileSync(cfg.key_file, 'utf8') : '');
    if (!pem)
      throw invalid('OCI_KEY_REQUIRED', 'OCI needs ARTENIC_OCI__PRIVATE_KEY or ARTENIC_OCI__KEY_FILE');
    const key = ociSigningKey(cfg.tenancy_ocid, cfg.user_ocid, cfg.fingerprint, pem);
    const calls = { timeoutMs: cfg.request_timeout_ms, maxRetries: cfg.max_attempts - 1 };
    this.api = new RestClient({
      provider: this.name,
      baseUrl: (cfg.api_url || `https://iaas.${cfg.region}.oraclecloud.com`) + API_VERSION,
      ...calls,
      authenticate: (req) => signOciRequest(req, key),
    });
    this.priceApi = new RestClient({ provider: this.name, baseUrl: cfg.price_list_url, ...calls });
  }

  capabilities(): ProviderCapabilities {
    return {
      spot: true,
      gpu: true,
      regions: this.cfg.regions.length ? this.cfg.regions : [this.cfg.region],
      instance_types: Object.keys(this.cfg.shape_prices),
      notes: `preemptible instances for spot; prices in ${this.cfg.price_currency} from Oracle's price list`,
    };
  }

  protected defaultInstanceType(): string {
    return this.cfg.default_shape;
  }

  private async instancesNamed(name?: string): Promise<Array<z.infer<typeof instance>>> {
    const { data } = await this.api.get('/instances', {
      query: { compartmentId: this.cfg.compartment_id, displayName: name, limit: 100 },
      schema: z.array(instance),
    });
    return data.filter((i) => i.lifecycleState !== 'TERMINATED' && i.lifecycleState !== 'TERMINATING');
  }

  protected async findMachine(name: string): Promise<MachineRef | null> {
    const found = (await this.instancesNamed(name))[0];
    return found ? { id: found.id } : null;
  }

  protected async createMachine(spec: LaunchSpec, launch: MachineLaunch): Promise<MachineRef> {
    if (!this.cfg.availability_domain || !this.cfg.subnet_id || !this.cfg.image_id) {
      throw invalid(
        'OCI_LAUNCH_CONFIG',
        'set ARTENIC_OCI__AVAILABILITY_DOMAIN, __SUBNET_ID and __IMAGE_ID to launch on OCI',
      );
    }
    const shapePrice = this.cfg.shape_prices[launch.instance_type];
    const flex = launch.instance_type.endsWith('.Flex');
    const ocpus = Number(spec.options.ocpus ?? shapePrice?.ocpus ?? 4);
    const { data } = await this.api.send('POST', '/instances', {
      // OCI's own idempotency: a retried LaunchInstance with the same token returns the same instance.
      headers: {
        'opc-retry-token': createHash('sha256').update(spec.idempotency_token).digest('hex').slice(0, 64),
      },
      json: {
        compartmentId: this.cfg.compartment_id,
        availabilityDomain: this.cfg.availability_domain,
        displayName: launch.name,
        shape: launch.instance_type,
        ...(flex
          ? {
              shapeConfig: {
                ocpus,
                memoryInGBs: Number(spec.options.memory_in_gbs ?? shapePrice?.memory_gb ?? ocpus * 16),
              },
            }
          : {}),
        sourceDetails: { sourceType: 'image', imageId: this.cfg.image_id },
        createVnicDetails: { subnetId: this.cfg.subnet_id, assignPublicIp: true },
        metadata: {
          user_data: Buffer.from(launch.script, 'utf8').toString('base64'),
          ...(this.cfg.ssh_public_key ? { ssh_authorized_keys: this.cfg.ssh_public_key } : {}),
        },
        freeformTags: launch.labels,
        ...(spec.spot
          ? {
              preemptibleInstanceConfig: {
                preemptionAction: { type: 'TERMINATE', preserveBootVolume: false },
              },
            }
          : {}),
      },
      schema: instance,
    });
    return { id: data.id };
  }

  protected async machinePhase(
    handle: ProviderJobHandle,
  ): Promise<{ phase: MachinePhase; message?: string }> {
    const res = await this.api.get(`/instances/${encodeURIComponent(handle.provider_job_id)}`, {
      schema: instance,
      allow: [404],
    });
    if (res.status === 404) return { phase: 'gone' };
    const state = res.data.lifecycleState;
    if (state === 'PROVISIONING' || state === 'STARTING') return { phase: 'provisioning' };
    if (state === 'TERMINATED' || state === 'TERMINATING')
      return { phase: 'gone', message: `instance ${state.toLowerCase()}` };
    if (state === 'STOPPED' || state === 'STOPPING')
      return { phase: 'stopped', message: `instance ${state.toLowerCase()}` };
    return { phase: 'running' };
  }

  protected async deleteMachine(handle: ProviderJobHandle): Promise<void> {
    await this.api.send('DELETE', `/instances/${encodeURIComponent(handle.provider_job_id)}`, {
      query: { preserveBootVolume: false },
      allow: [404],
    });
  }

  protected async listTaggedMachines(): Promise<TaggedMachine[]> {
    return (await this.instancesNamed()).flatMap((i) => {
      const parsed = i.displayName && i.freeformTags?.[JOB_LABEL] ? parseMachineName(i.displayName) : null;
      return parsed ? [{ id: i.id, ...parsed }] : [];
    });
  }

  /** Shape price = Σ part price × quantity (per OCPU, per GB of memory, per GPU, per instance). */
  private async loadPrices(): Promise<InstancePrice[]> {
    const currency = this.cfg.price_currency;
    const { data } = await this.priceApi.get(this.cfg.price_list_url, {
      absolute: true,
      query: { currencyCode: currency },
      schema: priceList,
    });
    const fetchedAt = new Date();
    const unit = new Map<string, number>();
    for (const item of data.items) {
      const local = item.currencyCodeLocalizations.find((l) => l.currencyCode === currency);
      const payg = local?.prices.find((p) => p.model === 'PAY_AS_YOU_GO');
      if (payg) unit.set(item.partNumber, payg.value);
    }
    return Object.entries(this.cfg.shape_prices).flatMap(([shape, s]) => {
      const qty = { ocpu: s.ocpus, memory_gb: s.memory_gb, gpu: s.gpus, instance: 1 };
      const parts = s.parts.map((p) => (unit.has(p.part) ? unit.get(p.part)! * qty[p.per] : NaN));
      if (parts.some(Number.isNaN)) return []; // a part the price list no longer has: no price rather than a wrong one
      const onDemand = toMicros(parts.reduce((a, b) => a + b, 0));
      return this.capabilities().regions.map((region) => ({
        provider: this.name,
        instance_type: shape,
        region,
        currency,
        on_demand_per_hour_micros: onDemand,
        spot_per_hour_micros: Math.round((onDemand * this.cfg.preemptible_price_pct) / 100),
        gpu_type: s.gpu_type,
        gpu_count: s.gpus,
        vcpus: s.ocpus * 2,
        memory_gb: s.memory_gb,
        fetched_at: fetchedAt,
        stale: false,
        source: this.cfg.price_list_url,
      }));
    });
  }
}
