import { renderBootstrapScript } from '@app/providers/bootstrap/bootstrap-script';
import { cloudCall, cloudFailure, isNotFound, launchFailure } from '@app/providers/bootstrap/cloud-errors';
import { gcsShell } from '@app/providers/bootstrap/object-store-shells';
import { cheapestForGpu, PriceCache } from '@app/providers/bootstrap/price-cache';
import {
  collectOutputs,
  layoutOf,
  readLogTail,
  resolveVmStatus,
  runLayout,
  type RunLayout,
} from '@app/providers/bootstrap/vm-run';
import { ProviderCapacityError } from '@app/providers/provider-errors';
import type {
  CollectedArtifact,
  InstancePrice,
  LaunchSpec,
  ProviderCapabilities,
  ProviderJobHandle,
  ProviderJobStatus,
  ReconcileResult,
  TrainingProvider,
} from '@app/providers/training-provider.port';
import { callOptions, type GcpClients, type GcpConfig } from './gcp-clients';
import {
  instanceName,
  instanceResource,
  LABEL,
  layoutFromMetadata,
  machineViewOf,
  requestIdFor,
  type GceInstance,
} from './gcp-instance';
import { loadGcpPrices, offeredTypes, tablePrices } from './gcp-prices';
import { GcsObjectStore } from './gcs-object-store';

/** Operation errors that mean "no capacity or quota right now": the job stays queued and is retried. */
const CAPACITY_ERRORS = /ZONE_RESOURCE_POOL_EXHAUSTED|QUOTA_EXCEEDED|RESOURCE_EXHAUSTED|STOCKOUT/;

/** Compute Engine VMs started with a startup-script bootstrap; GCS for code, status, logs and outputs. */
export class GcpProvider implements TrainingProvider {
  readonly name = 'gcp';
  readonly store: GcsObjectStore;
  private readonly priceCache: PriceCache;

  constructor(
    private readonly config: GcpConfig,
    private readonly clients: GcpClients,
  ) {
    this.store = new GcsObjectStore(clients.auth, config.storage_endpoint, config.request_timeout_ms);
    this.priceCache = new PriceCache(
      () => loadGcpPrices(config, clients.auth, clients.machineTypes),
      config.price_ttl_seconds * 1000,
    );
  }

  capabilities(): ProviderCapabilities {
    return {
      spot: true,
      gpu: true,
      regions: this.config.regions.length ? this.config.regions : [this.config.region],
      instance_types: offeredTypes(this.config),
    };
  }

  /** The Billing Catalog prices; without any (catalog unreachable since start) the configured table. */
  async prices(): Promise<InstancePrice[]> {
    try {
      return await this.priceCache.get();
    } catch (error) {
      if (Object.keys(this.config.price_table).length > 0) return tablePrices(this.config);
      throw cloudFailure(this.name, 'price refresh', error);
    }
  }

  async instanceTypeFor(gpu: { type: string | null; count: number }, spot: boolean): Promise<string | null> {
    if (gpu.count <= 0) return null;
    return cheapestForGpu(await this.prices(), gpu, spot)?.instance_type ?? null;
  }

  async provision(spec: LaunchSpec): Promise<ProviderJobHandle> {
    try {
      return await this.launch(spec);
    } catch (error) {
      throw launchFailure(this.name, 'instances.insert', error);
    }
  }

  private zoneOf(spec: { region: string | null }): string {
    const region = spec.region;
    if (!region || region === this.config.region || this.config.zone.startsWith(`${region}-`)) {
      return this.config.zone;
    }
    return `${region}-b`;
  }

  private async launch(spec: LaunchSpec): Promise<ProviderJobHandle> {
    const zone = this.zoneOf(spec);
    const layout = runLayout(`gs://${this.config.models_bucket}`, spec);
    const name = instanceName(spec.job_id, spec.attempt);
    const operation = await this.insert(spec, zone, layout);
    return {
      job_id: spec.job_id,
      attempt: spec.attempt,
      provider_job_id: name,
      region: zone.replace(/-[a-z]$/, ''),
      instance_type: spec.instance_type ?? this.config.default_machine_type,
      spot: spec.spot,
      state: { ...layout, zone, instance_name: name, operation },
    };
  }

  /** Inserts the instance and waits (bounded) for the operation; an existing instance of this attempt is adopted. */
  private async insert(spec: LaunchSpec, zone: string, layout: RunLayout): Promise<string | null> {
    const machineType = spec.instance_type ?? this.config.default_machine_type;
    const script = renderBootstrapScript({
      ...spec,
      ...layout,
      store: gcsShell(),
      poweroff: 'shutdown -h now',
    });
    const resource = instanceResource({
      spec,
      layout,
      zone,
      machineType,
      script,
      image: typeof spec.options.boot_image === 'string' ? spec.options.boot_image : this.config.boot_image,
      diskSizeGb: this.config.boot_disk_size_gb,
      serviceAccount: this.config.service_account,
      network: this.config.network,
    });
    let operation: string | null;
    try {
      const [op] = await this.clients.instances.insert(
        {
          project: this.config.project_id,
          zone,
          requestId: requestIdFor(spec.idempotency_token),
          instanceResource: resource,
        },
        callOptions(this.config),
      );
      operation = op.latestResponse?.name ?? null;
    } catch (error) {
      if ((error as { code?: unknown }).code === 409) return null; // alreadyExists: this attempt's machine
      throw error;
    }
    if (operation) await this.waitFor(zone, operation);
    return operation;
  }

  /** One bounded wait: an operation error fails or requeues the launch; a slow one is left to `status`. */
  private async waitFor(zone: string, operation: string): Promise<void> {
    const [op] = await this.clients.zoneOperations.wait(
      { project: this.config.project_id, zone, operation },
      callOptions(this.config),
    );
    const errors = op.error?.errors ?? [];
    if (op.status !== 'DONE' || errors.length === 0) return;
    const text = errors.map((e) => `${e.code ?? ''}: ${e.message ?? ''}`).join('; ');
    if (CAPACITY_ERRORS.test(text)) throw new ProviderCapacityError(`gcp instances.insert: ${text}`, 30);
    throw cloudFailure(this.name, 'instances.insert', { message: text, code: errors[0]?.code, status: 400 });
  }

  start(handle: ProviderJobHandle): Promise<ProviderJobHandle> {
    return Promise.resolve(handle); // the startup script starts the run at boot
  }

  async status(handle: ProviderJobHandle): Promise<ProviderJobStatus> {
    const instance = await this.get(handle);
    const machine = machineViewOf(instance, handle.spot, handle.provider_job_id);
    return cloudCall(this.name, 'status marker', () =>
      resolveVmStatus(this.store, layoutOf(handle), machine),
    );
  }

  private async get(handle: ProviderJobHandle): Promise<GceInstance | null> {
    try {
      const [instance] = await this.clients.instances.get(
        { project: this.config.project_id, zone: this.handleZone(handle), instance: handle.provider_job_id },
        callOptions(this.config),
      );
      return instance;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw cloudFailure(this.name, 'instances.get', error);
    }
  }

  private handleZone(handle: ProviderJobHandle): string {
    return typeof handle.state.zone === 'string' ? handle.state.zone : this.config.zone;
  }

  logs(handle: ProviderJobHandle, tailLines: number): Promise<string> {
    return cloudCall(this.name, 'log read', () => readLogTail(this.store, layoutOf(handle), tailLines));
  }

  cancel(handle: ProviderJobHandle): Promise<void> {
    return this.teardown(handle);
  }

  collectArtifacts(handle: ProviderJobHandle, destinationDir: string): Promise<CollectedArtifact[]> {
    return cloudCall(this.name, 'artifact download', () =>
      collectOutputs(this.store, layoutOf(handle), destinationDir),
    );
  }

  /** Deletes the instance; its boot disk goes with it (autoDelete). A missing instance is already torn down. */
  teardown(handle: ProviderJobHandle): Promise<void> {
    return this.delete(this.handleZone(handle), handle.provider_job_id);
  }

  private async delete(zone: string, name: string): Promise<void> {
    try {
      await this.clients.instances.delete(
        { project: this.config.project_id, zone, instance: name },
        callOptions(this.config),
      );
    } catch (error) {
      if (isNotFound(error)) return;
      throw cloudFailure(this.name, 'instances.delete', error);
    }
  }

  async reconcile(live: Array<{ job_id: string; attempt: number }>): Promise<ReconcileResult> {
    const result: ReconcileResult = { removed: [], adopted: [] };
    for (const zone of this.zones()) {
      for (const instance of await this.labelled(zone)) {
        const name = instance.name ?? '';
        const layout = layoutFromMetadata(instance);
        const owner = live.find((l) => instanceName(l.job_id, l.attempt) === name);
        if (owner && layout) {
          result.adopted.push({
            job_id: owner.job_id,
            attempt: owner.attempt,
            provider_job_id: name,
            state: { ...layout, zone, instance_name: name, operation: null },
          });
        } else {
          await this.delete(zone, name);
          result.removed.push(name);
        }
      }
    }
    return result;
  }

  private zones(): string[] {
    return [...new Set(this.capabilities().regions.map((region) => this.zoneOf({ region })))];
  }

  /** Every instance carrying the platform's job label in a zone (all pages). */
  private async labelled(zone: string): Promise<GceInstance[]> {
    const [instances] = await cloudCall(this.name, 'instances.list', () =>
      this.clients.instances.list(
        { project: this.config.project_id, zone, filter: `labels.${LABEL.job}:*` },
        { ...callOptions(this.config), autoPaginate: true },
      ),
    );
    return instances;
  }
}
