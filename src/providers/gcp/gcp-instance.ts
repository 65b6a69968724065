import { createHash } from 'node:crypto';
import type { protos } from '@google-cloud/compute';
import { invalid } from '@app/common/errors/domain-error';
import type { MachineView, RunLayout } from '@app/providers/bootstrap/vm-run';
import type { LaunchSpec } from '@app/providers/training-provider.port';

export type GceInstance = protos.google.cloud.compute.v1.IInstance;

/** Label keys (GCE labels: lower-case letters, digits, `_` and `-`, at most 63 characters). */
export const LABEL = { job: 'artenic-job-id', attempt: 'artenic-attempt', token: 'artenic-token' } as const;
/** Metadata keys holding the run layout, so a reconcile can adopt an instance without the database. */
export const META = {
  run: 'artenic-run-uri',
  output: 'artenic-output-uri',
  checkpoint: 'artenic-checkpoint-uri',
} as const;

const ACCELERATORS: Record<string, string> = {
  'nvidia-tesla-t4': 'T4',
  'nvidia-l4': 'L4',
  'nvidia-tesla-a100': 'A100',
  'nvidia-a100-80gb': 'A100-80GB',
  'nvidia-tesla-v100': 'V100',
  'nvidia-h100-80gb': 'H100-80GB',
  'nvidia-tesla-p100': 'P100',
  'nvidia-tesla-p4': 'P4',
};
const BY_NAME = new Map(Object.entries(ACCELERATORS).map(([acc, name]) => [name.toLowerCase(), acc]));

/** `zones/z/acceleratorTypes/nvidia-tesla-t4` or `nvidia-tesla-t4` → `T4`. */
export function gpuNameOf(accelerator: string): string {
  const short = accelerator.split('/').pop() ?? accelerator;
  return ACCELERATORS[short] ?? short.replace(/^nvidia-(tesla-)?/, '').toUpperCase();
}

/** A requested GPU type (`T4`, `nvidia-l4`, `A100-80GB`) → the GCE accelerator type name. */
export function acceleratorFor(type: string | null): string {
  if (!type)
    throw invalid('GCP_GPU_TYPE_REQUIRED', 'gcp: name the GPU type (e.g. T4, L4, A100) to attach GPUs');
  const wanted = type.toLowerCase().replace(/^nvidia[- ]/, '');
  if (ACCELERATORS[type.toLowerCase()]) return type.toLowerCase();
  const acc = BY_NAME.get(wanted);
  if (!acc) {
    throw invalid('GCP_GPU_TYPE_UNKNOWN', `gcp: unknown GPU type '${type}'`, {
      gpu_type: type,
      known: Object.values(ACCELERATORS),
    });
  }
  return acc;
}

const G2_GPUS: Record<string, number> = {
  '4': 1,
  '8': 1,
  '12': 1,
  '16': 1,
  '32': 1,
  '24': 2,
  '48': 4,
  '96': 8,
};

/** Machine types whose GPUs come with the type (A2, A3, G2): no `guestAccelerators` may be added. */
export function builtInAccelerator(type: string): { accelerator: string; count: number } | null {
  const a2 = /^a2-(highgpu|megagpu|ultragpu)-(\d+)g$/.exec(type);
  if (a2)
    return {
      accelerator: a2[1] === 'ultragpu' ? 'nvidia-a100-80gb' : 'nvidia-tesla-a100',
      count: Number(a2[2]),
    };
  const a3 = /^a3-\w+-(\d+)g$/.exec(type);
  if (a3) return { accelerator: 'nvidia-h100-80gb', count: Number(a3[1]) };
  const g2 = /^g2-standard-(\d+)$/.exec(type);
  if (g2) return { accelerator: 'nvidia-l4', count: G2_GPUS[g2[1]!] ?? 1 };
  return null;
}

/** A GCE label value: lower case, only `[a-z0-9_-]`, at most 63 characters. */
export function labelValue(value: string): string {
  const clean = value.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  return clean.length <= 63 ? clean : `${clean.slice(0, 50)}-${hash(value, 12)}`;
}

/**
 * One name per (job, attempt), so a retried insert collides (409 alreadyExists) instead of creating a second
 * machine. Names must match `[a-z]([-a-z0-9]{0,61}[a-z0-9])?`.
 */
export function instanceName(jobId: string, attempt: number): string {
  const base = `artenic-${jobId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
  const suffix = `-${attempt}`;
  const name = base.length + suffix.length <= 63 ? base + suffix : `artenic-${hash(jobId, 40)}${suffix}`;
  return name.replace(/-+$/, '');
}

/** GCE's `requestId` must be a UUID; the same token always gives the same one (GCE dedupes for 60 min). */
export function requestIdFor(token: string): string {
  const h = hash(token, 32).split('');
  h[12] = '5';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

function hash(value: string, length: number): string {
  return createHash('sha256').update(value).digest('hex').slice(0, length);
}

export interface InstanceInput {
  spec: LaunchSpec;
  layout: RunLayout;
  zone: string;
  machineType: string;
  script: string;
  image: string;
  diskSizeGb: number;
  serviceAccount: string;
  network: string;
}

/** The `instanceResource` of an insert: startup script, labels, scheduling, GPUs, auto-deleted boot disk. */
export function instanceResource(input: InstanceInput): GceInstance {
  const { spec, layout, zone, machineType } = input;
  const builtIn = builtInAccelerator(machineType);
  const attach = !builtIn && spec.gpu.count > 0;
  const gpu = builtIn !== null || attach;
  return {
    name: instanceName(spec.job_id, spec.attempt),
    machineType: `zones/${zone}/machineTypes/${machineType}`,
    labels: {
      [LABEL.job]: labelValue(spec.job_id),
      [LABEL.attempt]: String(spec.attempt),
      [LABEL.token]: labelValue(spec.idempotency_token),
      'artenic-service': labelValue(spec.service),
      'managed-by': 'artenic-ai-platform',
    },
    metadata: {
      items: [
        { key: 'startup-script', value: input.script },
        { key: 'artenic-job-id', value: spec.job_id },
        { key: META.run, value: layout.run_uri },
        { key: META.output, value: layout.output_uri },
        { key: META.checkpoint, value: layout.checkpoint_uri },
      ],
    },
    disks: [
      {
        boot: true,
        autoDelete: true,
        initializeParams: {
          sourceImage: input.image,
          diskSizeGb: String(input.diskSizeGb),
          diskType: `zones/${zone}/diskTypes/pd-ssd`,
        },
      },
    ],
    networkInterfaces: [
      { network: input.network, accessConfigs: [{ name: 'External NAT', type: 'ONE_TO_ONE_NAT' }] },
    ],
    serviceAccounts: [
      { email: input.serviceAccount, scopes: ['https://www.googleapis.com/auth/cloud-platform'] },
    ],
    ...(attach
      ? {
          guestAccelerators: [
            {
              acceleratorType: `zones/${zone}/acceleratorTypes/${acceleratorFor(spec.gpu.type)}`,
              acceleratorCount: spec.gpu.count,
            },
          ],
        }
      : {}),
    scheduling: spec.spot
      ? {
          provisioningModel: 'SPOT',
          instanceTerminationAction: 'DELETE',
          automaticRestart: false,
          onHostMaintenance: 'TERMINATE',
        }
      : {
          provisioningModel: 'STANDARD',
          automaticRestart: !gpu,
          // GPU machines cannot live-migrate.
          onHostMaintenance: gpu ? 'TERMINATE' : 'MIGRATE',
        },
  };
}

/** The run layout an instance carries in its metadata (for reconcile), or null for a foreign instance. */
export function layoutFromMetadata(instance: GceInstance): RunLayout | null {
  const item = (key: string) => instance.metadata?.items?.find((i) => i.key === key)?.value ?? '';
  const layout = {
    run_uri: item(META.run),
    output_uri: item(META.output),
    checkpoint_uri: item(META.checkpoint),
  };
  return layout.run_uri && layout.output_uri && layout.checkpoint_uri ? layout : null;
}

/**
 * GCE's instance status as the shared VM view. A spot attempt whose instance is gone or TERMINATED without a
 * final marker was preempted: spot VMs are deleted (instanceTerminationAction DELETE) or stopped by GCE on
 * preemption, and the platform deletes its own instances only after the run ended.
 */
export function machineViewOf(instance: GceInstance | null, spot: boolean, name: string): MachineView {
  if (!instance) return { phase: 'gone', preempted: spot, detail: `instance ${name} not found` };
  const status = instance.status ?? 'PROVISIONING';
  const detail = [status, instance.statusMessage].filter(Boolean).join(' ');
  switch (status) {
    case 'PROVISIONING':
    case 'STAGING':
      return { phase: 'provisioning', preempted: false, detail };
    case 'RUNNING':
    case 'REPAIRING':
      return { phase: 'running', preempted: false, detail };
    case 'STOPPING':
    case 'SUSPENDING':
      return { phase: 'stopping', preempted: false, detail };
    default:
      // STOPPED, SUSPENDED, TERMINATED: GCE suspends or stops only on preemption or a guest power-off.
      return { phase: 'stopped', preempted: spot || status === 'SUSPENDED', detail };
  }
}
