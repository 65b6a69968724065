import { readFileSync } from 'node:fs';
import type { VirtualMachine } from '@azure/arm-compute';
import { invalid } from '@app/common/errors/domain-error';
import type { RunLayout } from '@app/providers/bootstrap/vm-run';
import type { LaunchSpec } from '@app/providers/training-provider.port';
import type { AzureConfig } from './azure-http';

export const TAG = {
  job: 'artenic_job_id',
  attempt: 'artenic_attempt',
  token: 'artenic_token',
  run: 'artenic_run_uri',
  output: 'artenic_output_uri',
  checkpoint: 'artenic_checkpoint_uri',
} as const;

/** Names derived from the job and attempt only, so a retried launch finds (and adopts) what it made. */
export function resourceNames(jobId: string, attempt: number): { vm: string; nic: string; ip: string } {
  const vm = `artenic-${jobId}-${attempt}`
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 64);
  return { vm, nic: `${vm}-nic`, ip: `${vm}-ip` };
}

export function runTags(spec: LaunchSpec, layout: RunLayout): Record<string, string> {
  return {
    [TAG.job]: spec.job_id,
    [TAG.attempt]: String(spec.attempt),
    [TAG.token]: spec.idempotency_token,
    [TAG.run]: layout.run_uri,
    [TAG.output]: layout.output_uri,
    [TAG.checkpoint]: layout.checkpoint_uri,
    artenic_service: spec.service.slice(0, 256),
    artenic_model: spec.model.slice(0, 256),
    'managed-by': 'artenic-ai-platform',
  };
}

/** The NIC body: one IP configuration on the configured subnet, with the public IP when there is one. */
export function nicBody(
  config: AzureConfig,
  location: string,
  subnetId: string,
  publicIpId: string | null,
  tags: Record<string, string>,
): Record<string, unknown> {
  return {
    location,
    tags,
    properties: {
      ipConfigurations: [
        {
          name: 'primary',
          properties: {
            subnet: { id: subnetId },
            privateIPAllocationMethod: 'Dynamic',
            ...(publicIpId
              ? { publicIPAddress: { id: publicIpId, properties: { deleteOption: 'Delete' } } }
              : {}),
          },
        },
      ],
    },
  };
}

export function publicIpBody(location: string, tags: Record<string, string>): Record<string, unknown> {
  return {
    location,
    tags,
    sku: { name: 'Standard' },
    properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
  };
}

function sshPublicKey(config: AzureConfig): string {
  if (!config.ssh_key_path) {
    throw invalid('AZURE_SSH_KEY_REQUIRED', 'set ARTENIC_AZURE__SSH_KEY_PATH to an OpenSSH public key file');
  }
  try {
    return readFileSync(config.ssh_key_path, 'utf8').trim();
  } catch (error) {
    throw invalid(
      'AZURE_SSH_KEY_UNREADABLE',
      `cannot read ${config.ssh_key_path}: ${(error as Error).message}`,
    );
  }
}

/**
 * The VM (24.x flattened model): custom data is the bootstrap script base64-encoded once; Spot with
 * `evictionPolicy: Delete` and no price cap; OS disk and NIC (and through the NIC its public IP) deleted with
 * the VM, so one delete removes everything the launch created.
 */
export function vmBody(input: {
  config: AzureConfig;
  spec: LaunchSpec;
  location: string;
  vmSize: string;
  nicId: string;
  script: string;
  tags: Record<string, string>;
  computerName: string;
}): VirtualMachine {
  const { config, spec } = input;
  const identity = config.managed_identity_id
    ? { type: 'UserAssigned' as const, userAssignedIdentities: { [config.managed_identity_id]: {} } }
    : { type: 'SystemAssigned' as const };
  return {
    location: input.location,
    tags: input.tags,
    identity,
    hardwareProfile: { vmSize: input.vmSize },
    storageProfile: {
      imageReference: {
        publisher: config.image_publisher,
        offer: config.image_offer,
        sku: config.image_sku,
        version: 'latest',
      },
      osDisk: { createOption: 'FromImage', deleteOption: 'Delete', managedDisk: {} },
    },
    osProfile: {
      computerName: input.computerName.slice(0, 64),
      adminUsername: config.admin_username,
      // Encoded exactly once: ARM expects base64 and passes the decoded text to cloud-init.
      customData: Buffer.from(input.script, 'utf8').toString('base64'),
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        ssh: {
          publicKeys: [
            { path: `/home/${config.admin_username}/.ssh/authorized_keys`, keyData: sshPublicKey(config) },
          ],
        },
      },
    },
    networkProfile: { networkInterfaces: [{ id: input.nicId, primary: true, deleteOption: 'Delete' }] },
    ...(spec.spot ? { priority: 'Spot', evictionPolicy: 'Delete', billingProfile: { maxPrice: -1 } } : {}),
  };
}
