import { z } from 'zod';
import type { AppConfig } from '@app/config/app-config.schema';
import { invalid } from '@app/common/errors/domain-error';
import { PriceCache } from '@app/providers/bootstrap/price-cache';
import type { ObjectStoreShell } from '@app/providers/bootstrap/object-store.port';
import type { RunLayout } from '@app/providers/bootstrap/vm-run';
import type { RestClient } from '@app/providers/http/rest-client';
import {
  JOB_LABEL,
  RestVmProvider,
  parseMachineName,
  type MachineLaunch,
  type MachinePhase,
  type MachineRef,
  type TaggedMachine,
} from '@app/providers/http/rest-vm-provider';
import type {
  InstancePrice,
  LaunchSpec,
  ProviderCapabilities,
  ProviderJobHandle,
} from '@app/providers/training-provider.port';
import { KeystoneSession } from './keystone-session';
import { SwiftObjectStore, splitSwiftUri } from './swift-object-store';

export type OpenStackConfig = AppConfig['ovh'];

const server = z.object({
  id: z.string(),
  name: z.string().optional(),
  status: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  fault: z.object({ message: z.string() }).optional(),
});
export const flavorList = z.object({
  flavors: z.array(z.object({ id: z.string(), name: z.string(), vcpus: z.number(), ram: z.number() })),
});
export type Flavor = z.infer<typeof flavorList>['flavors'][number];

/** Loads one cloud's prices given its flavors (OVH: public catalog; Infomaniak: its price list). */
export type OpenStackPriceSource = (flavors: Flavor[], fetchedAt: Date) => Promise<InstancePrice[]>;

const GPU_TYPES: Array<[RegExp, string]> = [
  [/^h100/i, 'H100'],
  [/^a100/i, 'A100'],
  [/^l40s/i, 'L40S'],
  [/^l4-/i, 'L4'],
  [/^a10-/i, 'A10'],
  [/^t2/i, 'V100S'],
  [/^t1/i, 'V100'],
  [/gpu/i, 'GPU'],
];

/** GPU model from an OpenStack flavor name, matched on whole prefixes (the reference reported L40S as L4). */
export function flavorGpu(name: string): { type: string | null; count: number } {
  const type = GPU_TYPES.find(([re]) => re.test(name))?.[1] ?? null;
  const count = Number(/-x(\d+)/.exec(name)?.[1] ?? 1);
  return type ? { type, count } : { type: null, count: 0 };
}

/**
 * An OpenStack public cloud (OVH, Infomaniak): Keystone v3, Nova servers with base64 user data, Glance and
 * Neutron to resolve the image and network by name, Swift for the run's files. On-demand only.
 */
export class OpenStackProvider extends RestVmProvider {
  private readonly session: KeystoneSession;
  private readonly swift: SwiftObjectStore;
  private nova: RestClient | null = null;

  constructor(
    readonly name: string,
    private readonly cfg: OpenStackConfig,
    priceSource: OpenStackPriceSource,
  ) {
    const session = new KeystoneSession(name, cfg);
    const swift = new SwiftObjectStore(session, cfg.temp_url_key);
    super({
      store: swift,
      shell: { setup: [], fetch: 'false', fetchDir: 'false', upload: 'false' }, // replaced per run (runShell)
      root: `swift://${cfg.container}`,
      prices: new PriceCache(
        async () => priceSource(await this.flavors(), new Date()),
        cfg.price_ttl_seconds * 1000,
      ),
    });
    this.session = session;
    this.swift = swift;
  }

  capabilities(): ProviderCapabilities {
    return {
      spot: false,
      gpu: true,
      regions: this.cfg.regions.length ? this.cfg.regions : [this.cfg.region],
      instance_types: [],
      notes: `on-demand only (no spot instances); prices in ${this.cfg.price_currency}`,
    };
  }

  protected defaultInstanceType(): string {
    return this.cfg.default_flavor;
  }

  private async compute(): Promise<RestClient> {
    this.nova ??= this.session.client(await this.session.endpoint('compute'));
    return this.nova;
  }

  private async flavors(): Promise<Flavor[]> {
    const res = await this.session.call(await this.compute(), 'GET', '/flavors/detail', {
      schema: flavorList,
    });
    return res.data.flavors;
  }

  /** Temp URLs for the job's prefix (run files and checkpoints), valid for the run plus a margin. */
  protected override async runShell(spec: LaunchSpec, layout: RunLayout): Promise<ObjectStoreShell> {
    if (!this.cfg.temp_url_key)
      throw invalid('SWIFT_TEMP_URL_KEY_REQUIRED', `set ARTENIC_${this.name.toUpperCase()}__TEMP_URL_KEY`);
    const { container, key } = splitSwiftUri(layout.run_uri);
    const jobPrefix = key.replace(/attempt-\d+$/, '');
    await this.swift.prepare(container);
    const resume = spec.resume_from ? await this.swift.list(`${spec.resume_from.replace(/\/$/, '')}/`) : [];
    const base = `${(spec.resume_from ?? '').replace(/\/$/, '')}/`;
    const expires = Math.floor(Date.now() / 1000) + spec.max_runtime_seconds + 6 * 3600;
    return this.swift.shell(
      container,
      jobPrefix,
      expires,
      resume.map((o) => o.uri.slice(base.length)),
    );
  }

  protected async findMachine(name: string): Promise<MachineRef | null> {
    const res = await this.session.call(await this.compute(), 'GET', '/servers', {
      query: { name: `^${name}$` },
      schema: z.object({ servers: z.array(server) }),
    });
    const found = res.data.servers.find((s) => s.name === name);
    return found ? { id: found.id } : null;
  }

  protected async createMachine(spec: LaunchSpec, launch: MachineLaunch): Promise<MachineRef> {
    const nova = await this.compute();
    const flavor = (await this.flavors()).find(
      (f) => f.name === launch.instance_type || f.id === launch.instance_type,
    );
    if (!flavor)
      throw invalid(
        'UNKNOWN_FLAVOR',
        `${this.name} has no flavor '${launch.instance_type}' in ${this.cfg.region}`,
      );
    const imageRef = await this.imageId(spec);
    const network = await this.networkId();
    const res = await this.session.call(nova, 'POST', '/servers', {
      json: {
        server: {
          name: launch.name,
          flavorRef: flavor.id,
          imageRef,
          networks: network ? [{ uuid: network }] : 'auto',
          user_data: Buffer.from(launch.script, 'utf8').toString('base64'),
          metadata: launch.labels,
          security_groups: [{ name: this.cfg.security_group }],
          ...(this.cfg.ssh_key_name ? { key_name: this.cfg.ssh_key_name } : {}),
        },
      },
      schema: z.object({ server }),
    });
    return { id: res.data.server.id };
  }

  private async imageId(spec: LaunchSpec): Promise<string> {
    const explicit = typeof spec.options.image_id === 'string' ? spec.options.image_id : this.cfg.image_id;
    if (explicit) return explicit;
    const glance = this.session.client(await this.session.endpoint('image'));
    const res = await this.session.call(glance, 'GET', '/v2/images', {
      query: { name: this.cfg.image_name },
      schema: z.object({ images: z.array(z.object({ id: z.string() })) }),
    });
    const image = res.data.images[0];
    if (!image) throw invalid('UNKNOWN_IMAGE', `${this.name} has no image named '${this.cfg.image_name}'`);
    return image.id;
  }

  private async networkId(): Promise<string | null> {
    if (this.cfg.network_id) return this.cfg.network_id;
    if (!this.cfg.network_name) return null;
    const neutron = this.session.client(await this.session.endpoint('network'));
    const res = await this.session.call(neutron, 'GET', '/v2.0/networks', {
      query: { name: this.cfg.network_name },
      schema: z.object({ networks: z.array(z.object({ id: z.string() })) }),
    });
    const net = res.data.networks[0];
    if (!net)
      throw invalid('UNKNOWN_NETWORK', `${this.name} has no network named '${this.cfg.network_name}'`);
    return net.id;
  }

  protected async machinePhase(
    handle: ProviderJobHandle,
  ): Promise<{ phase: MachinePhase; message?: string }> {
    const res = await this.session.call(await this.compute(), 'GET', `/servers/${handle.provider_job_id}`, {
      schema: z.object({ server }),
      allow: [404],
    });
    if (res.status === 404) return { phase: 'gone' };
    const s = res.data.server;
    if (s.status === 'BUILD') return { phase: 'provisioning' };
    if (s.status === 'ERROR') return { phase: 'error', message: s.fault?.message ?? 'server in ERROR' };
    if (s.status === 'SHUTOFF' || s.status === 'STOPPED' || s.status === 'SUSPENDED')
      return { phase: 'stopped', message: `server ${s.status}` };
    if (s.status === 'DELETED' || s.status === 'SOFT_DELETED') return { phase: 'gone' };
    return { phase: 'running' };
  }

  protected async deleteMachine(handle: ProviderJobHandle): Promise<void> {
    await this.session.call(await this.compute(), 'DELETE', `/servers/${handle.provider_job_id}`, {
      allow: [404],
    });
  }

  protected async listTaggedMachines(): Promise<TaggedMachine[]> {
    const res = await this.session.call(await this.compute(), 'GET', '/servers/detail', {
      query: { name: '^artenic-' },
      schema: z.object({ servers: z.array(server) }),
    });
    return res.data.servers.flatMap((s) => {
      const parsed = s.name && s.metadata?.[JOB_LABEL] ? parseMachineName(s.name) : null;
      return parsed ? [{ id: s.id, ...parsed }] : [];
    });
  }
}
