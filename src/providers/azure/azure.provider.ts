import type { VirtualMachine } from '@azure/arm-compute';
import { renderBootstrapScript } from '@app/providers/bootstrap/bootstrap-script';
import { cloudCall, cloudFailure, isNotFound, launchFailure } from '@app/providers/bootstrap/cloud-errors';
import { cheapestForGpu, PriceCache } from '@app/providers/bootstrap/price-cache';
import {
  collectOutputs,
  layoutOf,
  readLogTail,
  resolveVmStatus,
  runLayout,
  type MachineView,
} from '@app/providers/bootstrap/vm-run';
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
import { ProviderCapacityError } from '@app/providers/provider-errors';
import type { AzureArm } from './azure-arm';
import { azureRestBlobShell } from './azure-blob-shell';
import type { AzureConfig } from './azure-http';
import { loadAzurePrices } from './azure-prices';
import { nicBody, publicIpBody, resourceNames, runTags, vmBody } from './azure-vm-spec';
import { AzureReconciler } from './azure-reconcile';
import { blobAuth, blobEndpoint, BlobObjectStore } from './blob-object-store';

/** Azure VMs started with a custom-data bootstrap; Blob storage for code, status, logs, checkpoints, outputs. */
export class AzureProvider implements TrainingProvider {
  readonly name = 'azure';
  readonly store: BlobObjectStore;
  private readonly priceCache: PriceCache;
  private readonly endpoint: string;

  constructor(
    private readonly config: AzureConfig,
    private readonly arm: AzureArm,
  ) {
    this.endpoint = blobEndpoint(config);
    this.store = new BlobObjectStore(this.endpoint, blobAuth(config, arm.credential), config);
    this.priceCache = new PriceCache(
      () => loadAzurePrices(config, config.region),
      config.price_ttl_seconds * 1000,
    );
  }

  capabilities(): ProviderCapabilities {
    return {
      spot: true,
      gpu: true,
      regions: this.config.regions.length ? this.config.regions : [this.config.region],
      instance_types: [],
      notes: 'Spot VMs are evicted with evictionPolicy Delete and recovered on a new VM',
    };
  }

  prices(): Promise<InstancePrice[]> {
    return cloudCall(this.name, 'price refresh', () => this.priceCache.get());
  }

  /** Picks the VM size for a GPU request when the dispatch named none. */
  async instanceTypeFor(gpu: { type: string | null; count: number }, spot: boolean): Promise<string | null> {
    if (gpu.count <= 0) return null;
    return cheapestForGpu(await this.prices(), gpu, spot)?.instance_type ?? null;
  }

  async provision(spec: LaunchSpec): Promise<ProviderJobHandle> {
    try {
      return await this.launch(spec);
    } catch (error) {
      throw launchFailure(this.name, 'launch', error);
    }
  }

  private async launch(spec: LaunchSpec): Promise<ProviderJobHandle> {
    const location = spec.region ?? this.config.region;
    const layout = runLayout(`${this.endpoint}/${this.config.models_container}`, spec);
    const names = resourceNames(spec.job_id, spec.attempt);
    const network = this.arm.network;
    const nicId = network.resourceId('networkInterfaces', names.nic);
    const ipId = this.config.public_ip ? network.resourceId('publicIPAddresses', names.ip) : null;
    const existing = await this.getVm(names.vm);
    if (!existing) {
      const tags = runTags(spec, layout);
      const script = renderBootstrapScript({
        ...spec,
        ...layout,
        store: azureRestBlobShell(this.endpoint),
        poweroff: 'shutdown -h now',
        // Dispatch `config.sync_interval_seconds`: how often logs and checkpoints reach Blob storage.
        ...(typeof spec.options.sync_interval_seconds === 'number'
          ? { sync_interval_seconds: spec.options.sync_interval_seconds }
          : {}),
      });
      const body = vmBody({
        config: this.config,
        spec,
        location,
        vmSize: spec.instance_type ?? this.config.default_vm_size,
        nicId,
        script,
        tags,
        computerName: names.vm,
      });
      // The NIC (and its public IP) must exist before the VM; PUT by name is idempotent on a retry.
      if (ipId) await network.put(ipId, publicIpBody(location, tags));
      await network.put(nicId, nicBody(this.config, location, network.subnetId(), ipId, tags));
      await this.createVm(names.vm, body, [nicId, ipId]);
    }
    return {
      job_id: spec.job_id,
      attempt: spec.attempt,
      provider_job_id: names.vm,
      region: location,
      instance_type: existing?.hardwareProfile?.vmSize ?? spec.instance_type ?? this.config.default_vm_size,
      spot: spec.spot,
      state: { ...layout, vm_name: names.vm, nic_id: nicId, public_ip_id: ipId },
    };
  }

  /**
   * Only the PUT is awaited: provisioning is followed by `status`, not by blocking the poller for minutes. A
   * refused VM (not worth retrying) takes its NIC and public IP with it; a retryable failure keeps them for
   * the next try, which PUTs the same names.
   */
  private async createVm(name: string, body: VirtualMachine, network: Array<string | null>): Promise<void> {
    try {
      await this.arm.compute.virtualMachines
        .createOrUpdate(this.config.resource_group, name, body)
        .submitted();
    } catch (error) {
      if (!(launchFailure(this.name, 'launch', error) instanceof ProviderCapacityError)) {
        for (const id of network) if (id) await this.deleteNetwork(id).catch(() => undefined);
      }
      throw error;
    }
  }

  start(handle: ProviderJobHandle): Promise<ProviderJobHandle> {
    return Promise.resolve(handle); // cloud-init runs the custom data at first boot
  }

  async status(handle: ProviderJobHandle): Promise<ProviderJobStatus> {
    const vm = await this.getVm(handle.provider_job_id, true);
    return cloudCall(this.name, 'status marker', () =>
      resolveVmStatus(this.store, layoutOf(handle), machineView(handle, vm)),
    );
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

  /**
   * Deletes the VM (its OS disk, NIC and public IP go with it: deleteOption Delete), then the NIC and IP
   * themselves, for a launch that died between creating them and the VM. A NIC still attached to a VM being
   * deleted answers "in use": the VM's deletion removes it.
   */
  async teardown(handle: ProviderJobHandle): Promise<void> {
    await this.deleteVm(handle.provider_job_id);
    const nic = typeof handle.state.nic_id === 'string' ? handle.state.nic_id : null;
    const ip = typeof handle.state.public_ip_id === 'string' ? handle.state.public_ip_id : null;
    for (const id of [nic, ip]) if (id) await this.deleteNetwork(id);
  }

  async deleteVm(name: string): Promise<void> {
    try {
      await this.arm.compute.virtualMachines.delete(this.config.resource_group, name).submitted();
    } catch (error) {
      if (!isNotFound(error)) throw cloudFailure(this.name, 'virtualMachines.delete', error);
    }
  }

  async deleteNetwork(id: string): Promise<void> {
    await this.arm.network.delete(id).catch((error: unknown) => {
      const code = String((error as { code?: string }).code ?? '');
      if (/InUse|InUseBy|ReferencedBy/i.test(code)) return false;
      throw cloudFailure(this.name, 'network delete', error);
    });
  }

  async getVm(name: string, withInstanceView = false): Promise<VirtualMachine | null> {
    try {
      return await this.arm.compute.virtualMachines.get(
        this.config.resource_group,
        name,
        withInstanceView ? { expand: 'instanceView' } : {},
      );
    } catch (error) {
      if (isNotFound(error)) return null;
      throw cloudFailure(this.name, 'virtualMachines.get', error);
    }
  }

  reconcile(live: Array<{ job_id: string; attempt: number }>): Promise<ReconcileResult> {
    return new AzureReconciler(this, this.arm, this.config).run(live);
  }
}

/**
 * The VM's state from its provisioning state and instance view. Eviction is Azure's own signal for a Spot VM:
 * with evictionPolicy Delete the VM disappears (the platform only deletes it in teardown), with Deallocate it
 * is deallocated without the platform asking.
 */
export function machineView(handle: ProviderJobHandle, vm: VirtualMachine | null): MachineView {
  if (!vm) {
    return {
      phase: 'gone',
      preempted: handle.spot,
      detail: handle.spot
        ? `Spot VM ${handle.provider_job_id} was evicted (deleted by Azure)`
        : `VM ${handle.provider_job_id} not found`,
    };
  }
  const codes = (vm.instanceView?.statuses ?? []).map((s) => s.code ?? '');
  const power = codes.find((c) => c.startsWith('PowerState/'))?.slice('PowerState/'.length) ?? '';
  const provisioning = (vm.provisioningState ?? '').toLowerCase();
  const evicted = handle.spot && (power === 'deallocated' || power === 'deallocating');
  const detail = [
    `provisioning ${provisioning || 'unknown'}`,
    power && `power ${power}`,
    evicted && 'Spot eviction',
  ]
    .filter(Boolean)
    .join(', ');
  if (provisioning === 'failed') return { phase: 'stopped', preempted: false, detail };
  if (power === 'running') return { phase: 'running', preempted: false, detail };
  if (power === 'stopping' || power === 'deallocating')
    return { phase: 'stopping', preempted: evicted, detail };
  if (power === 'stopped' || power === 'deallocated') return { phase: 'stopped', preempted: evicted, detail };
  return { phase: 'provisioning', preempted: false, detail };
}
