import { createHash } from 'node:crypto';
import type { V1EnvFromSource, V1EnvVar, V1Job, V1Toleration } from '@kubernetes/client-node';
import { invalid } from '@app/common/errors/domain-error';
import { renderBootstrapScript } from '@app/providers/bootstrap/bootstrap-script';
import type { ObjectStoreShell } from '@app/providers/bootstrap/object-store.port';
import type { RunLayout } from '@app/providers/bootstrap/vm-run';
import { BOOTSTRAP_ENV, encodeScript } from '@app/providers/http/container-entrypoint';
import type { LaunchSpec } from '@app/providers/training-provider.port';
import type { KubernetesConfig } from './kube-api';

export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  provider: 'artenic.ai/provider',
  job: 'artenic.ai/job-id',
  attempt: 'artenic.ai/attempt',
  token: 'artenic.ai/token',
  service: 'artenic.ai/service',
  model: 'artenic.ai/model',
} as const;
export const MANAGED_BY = 'artenic-ai-platform';
/** Run locations do not fit label values (63 characters, no slashes): they travel as annotations. */
export const ANNOTATION = {
  run: 'artenic.ai/run-uri',
  output: 'artenic.ai/output-uri',
  checkpoint: 'artenic.ai/checkpoint-uri',
} as const;
export const REGION_LABEL = 'topology.kubernetes.io/region';
/** Where the bootstrap script works; an emptyDir, so any image user can write there. */
export const WORK_DIR = '/opt/artenic';

const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** A value usable as a label: as given when valid, else a stable hash of it. */
export function labelValue(value: string): string {
  return LABEL_VALUE.test(value)
    ? value
    : `h-${createHash('sha256').update(value).digest('hex').slice(0, 40)}`;
}

/** One Job name per (job, attempt): a second create of the same attempt gets 409 instead of a twin. */
export function jobName(spec: Pick<LaunchSpec, 'job_id' | 'attempt'>): string {
  const slug = spec.job_id
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const suffix = `-a${spec.attempt}`;
  const base = `artenic-${slug}`;
  if (base.length + suffix.length <= 63 && slug) return base + suffix;
  const hash = createHash('sha256').update(spec.job_id).digest('hex').slice(0, 12);
  return `artenic-${slug.slice(0, 63 - 'artenic-'.length - hash.length - suffix.length - 1)}-${hash}${suffix}`;
}

/** GPU type and count: the launch spec's, else the dispatch config's `gpu_type`/`gpu_count`, else the instance type. */
export function gpuOf(spec: LaunchSpec): { type: string | null; count: number } {
  const o = spec.options;
  // `cpu` is the price-table key of CPU-only pods, not a GPU type.
  const instanceGpu = spec.instance_type?.toLowerCase() === 'cpu' ? null : spec.instance_type;
  const type = spec.gpu.type ?? (typeof o.gpu_type === 'string' && o.gpu_type ? o.gpu_type : instanceGpu);
  const configured = typeof o.gpu_count === 'number' ? o.gpu_count : Number.NaN;
  const count =
    spec.gpu.count > 0 ? spec.gpu.count : Number.isInteger(configured) ? configured : type ? 1 : 0;
  if (count < 0 || count > 64) {
    throw invalid('INVALID_GPU_COUNT', `gpu_count must be between 0 and 64, got ${count}`, {
      gpu_count: count,
    });
  }
  return { type: count > 0 ? type : null, count };
}

export interface ManifestInput {
  provider: string;
  config: KubernetesConfig;
  spec: LaunchSpec;
  layout: RunLayout;
  shell: ObjectStoreShell;
  /** Object-storage credentials for the pod when no Secret is configured. */
  storageEnv: Record<string, string>;
}

/**
 * The `batch/v1` Job of one attempt: no retries by Kubernetes (the platform decides after a disruption),
 * the max runtime as `activeDeadlineSeconds`, and a pod that runs the shared bootstrap script (code bundle in,
 * training command with the job's environment, logs, checkpoints, outputs and the status marker out to object
 * storage). The script's own log is also printed on the container's stdout, so `kubectl logs` and the
 * platform's log endpoint see the training output while the pod lives.
 */
export function buildJobManifest(input: ManifestInput): V1Job {
  const { config, spec, layout } = input;
  const script = renderBootstrapScript({ ...spec, ...layout, store: input.shell, poweroff: null });
  const gpu = gpuOf(spec);
  const labels = {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.provider]: input.provider,
    [LABEL.job]: labelValue(spec.job_id),
    [LABEL.attempt]: String(spec.attempt),
    [LABEL.token]: labelValue(spec.idempotency_token),
    [LABEL.service]: labelValue(spec.service),
    [LABEL.model]: labelValue(spec.model),
  };
  const annotations = {
    [ANNOTATION.run]: layout.run_uri,
    [ANNOTATION.output]: layout.output_uri,
    [ANNOTATION.checkpoint]: layout.checkpoint_uri,
    'artenic.ai/job-id': spec.job_id,
  };
  const resources: Record<string, string> = {};
  if (config.cpu_request) resources.cpu = config.cpu_request;
  if (config.memory_request) resources.memory = config.memory_request;
  if (gpu.count > 0) resources['nvidia.com/gpu'] = String(gpu.count);
  const env: V1EnvVar[] = [
    { name: BOOTSTRAP_ENV, value: encodeScript(script) },
    ...Object.entries(input.storageEnv).map(([name, value]) => ({ name, value })),
  ];
  const envFrom: V1EnvFromSource[] = config.credentials_secret
    ? [{ secretRef: { name: config.credentials_secret } }]
    : [];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: jobName(spec), namespace: config.namespace, labels, annotations },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: Math.max(1, Math.ceil(spec.max_runtime_seconds)),
      ttlSecondsAfterFinished: config.ttl_seconds_after_finished,
      template: {
        metadata: { labels, annotations },
        spec: {
          restartPolicy: 'Never',
          nodeSelector: nodeSelectorFor(config, spec, gpu.type),
          tolerations: tolerationsFor(config, spec, gpu.count),
          ...(config.service_account ? { serviceAccountName: config.service_account } : {}),
          ...(config.image_pull_secrets.length
            ? { imagePullSecrets: config.image_pull_secrets.map((name) => ({ name })) }
            : {}),
          volumes: [{ name: 'artenic-work', emptyDir: {} }],
          containers: [
            {
              name: 'training',
              image: imageOf(config, spec),
              command: ['bash', '-c', ENTRYPOINT],
              env,
              envFrom,
              resources: { requests: resources, limits: resources },
              volumeMounts: [{ name: 'artenic-work', mountPath: WORK_DIR }],
            },
          ],
        },
      },
    },
  };
}

/**
 * Decodes the script from the environment (never re-parsed by a shell), mirrors its log on stdout, runs it.
 * The pod ends when the script does; the tail dies with the container.
 */
const ENTRYPOINT = [
  `R="\${ARTENIC_BOOTSTRAP_ROOT:-${WORK_DIR}}"`,
  `mkdir -p "$R" && touch "$R/train.log"`,
  `echo "$${BOOTSTRAP_ENV}" | base64 -d > "$R/bootstrap.sh" || exit 1`,
  `tail -n +1 -F "$R/train.log" 2>/dev/null & TAIL=$!`,
  `bash "$R/bootstrap.sh"; CODE=$?`,
  'sleep 1; kill "$TAIL" 2>/dev/null; exit "$CODE"',
].join('\n');

function imageOf(config: KubernetesConfig, spec: LaunchSpec): string {
  const image = typeof spec.options.image === 'string' && spec.options.image ? spec.options.image : '';
  return image || config.training_image;
}

function nodeSelectorFor(
  config: KubernetesConfig,
  spec: LaunchSpec,
  gpuType: string | null,
): Record<string, string> {
  const fromDispatch = spec.options.node_selector;
  const extra =
    fromDispatch && typeof fromDispatch === 'object' && !Array.isArray(fromDispatch)
      ? Object.fromEntries(
          Object.entries(fromDispatch as Record<string, unknown>).filter(
            (e): e is [string, string] => typeof e[1] === 'string',
          ),
        )
      : {};
  return {
    ...config.node_selector,
    ...(gpuType && config.gpu_label ? { [config.gpu_label]: gpuType } : {}),
    ...(spec.region ? { [REGION_LABEL]: spec.region } : {}),
    ...(spec.spot ? config.spot_node_selector : {}),
    ...extra,
  };
}

function tolerationsFor(config: KubernetesConfig, spec: LaunchSpec, gpuCount: number): V1Toleration[] {
  const list: V1Toleration[] = [...config.tolerations];
  if (spec.spot) list.push(...config.spot_tolerations);
  if (gpuCount > 0 && !list.some((t) => t.key === 'nvidia.com/gpu')) {
    // GPU nodes are commonly tainted so that only GPU pods land there.
    list.push({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
  }
  return list;
}
