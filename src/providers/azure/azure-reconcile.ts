import type { VirtualMachine } from '@azure/arm-compute';
import { cloudCall } from '@app/providers/bootstrap/cloud-errors';
import type { ReconcileResult } from '@app/providers/training-provider.port';
import type { AzureArm, NetworkResource } from './azure-arm';
import type { AzureConfig } from './azure-http';
import { resourceNames, TAG } from './azure-vm-spec';

/** What the reconciler needs from the adapter (its idempotent deletes). */
interface Deleter {
  deleteVm(name: string): Promise<void>;
  deleteNetwork(id: string): Promise<void>;
}

/**
 * Lists the platform-tagged VMs, NICs and public IPs of the resource group: VMs of live attempts whose launch
 * was never recorded are adopted; everything else tagged is deleted (VMs first, then network resources left
 * behind by a launch that died before its VM was created).
 */
export class AzureReconciler {
  constructor(
    private readonly deleter: Deleter,
    private readonly arm: AzureArm,
    private readonly config: AzureConfig,
  ) {}

  async run(live: Array<{ job_id: string; attempt: number }>): Promise<ReconcileResult> {
    const result: ReconcileResult = { removed: [], adopted: [] };
    const wanted = new Set(live.map((l) => `${l.job_id}#${l.attempt}`));
    const vms = await cloudCall('azure', 'virtualMachines.list', () => this.taggedVms());
    const vmNames = new Set(vms.map((vm) => vm.name ?? ''));
    for (const vm of vms) {
      const tags = vm.tags ?? {};
      const jobId = tags[TAG.job] ?? '';
      const attempt = Number(tags[TAG.attempt]);
      const name = vm.name ?? '';
      if (wanted.has(`${jobId}#${attempt}`)) {
        result.adopted.push({ job_id: jobId, attempt, provider_job_id: name, state: this.stateOf(vm) });
      } else {
        await this.deleter.deleteVm(name);
        vmNames.delete(name);
        result.removed.push(name);
      }
    }
    for (const kind of ['networkInterfaces', 'publicIPAddresses'] as const) {
      for (const resource of await cloudCall('azure', `${kind}.list`, () => this.arm.network.list(kind))) {
        if (this.isOrphan(resource, wanted, vmNames)) {
          await this.deleter.deleteNetwork(resource.id);
          result.removed.push(resource.name);
        }
      }
    }
    return result;
  }

  /** Tagged by the platform, not of a live attempt, and its VM is gone (else the VM's delete removes it). */
  private isOrphan(resource: NetworkResource, wanted: Set<string>, vmNames: Set<string>): boolean {
    const tags = resource.tags ?? {};
    const jobId = tags[TAG.job];
    if (!jobId) return false;
    const attempt = Number(tags[TAG.attempt]);
    if (wanted.has(`${jobId}#${attempt}`)) return false;
    return !vmNames.has(resourceNames(jobId, attempt).vm);
  }

  private async taggedVms(): Promise<VirtualMachine[]> {
    const found: VirtualMachine[] = [];
    for await (const vm of this.arm.compute.virtualMachines.list(this.config.resource_group)) {
      if (vm.tags?.[TAG.job]) found.push(vm);
    }
    return found;
  }

  private stateOf(vm: VirtualMachine): Record<string, unknown> {
    const tags = vm.tags ?? {};
    const names = resourceNames(tags[TAG.job] ?? '', Number(tags[TAG.attempt]));
    const network = this.arm.network;
    return {
      run_uri: tags[TAG.run] ?? '',
      output_uri: tags[TAG.output] ?? '',
      checkpoint_uri: tags[TAG.checkpoint] ?? '',
      vm_name: vm.name ?? names.vm,
      nic_id: network.resourceId('networkInterfaces', names.nic),
      public_ip_id: this.config.public_ip ? network.resourceId('publicIPAddresses', names.ip) : null,
    };
  }
}
