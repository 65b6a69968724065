import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { conflict } from '@app/common/errors/domain-error';
import {
  cloudCall,
  cloudFailure,
  httpStatusOf,
  isNotFound,
  launchFailure,
} from '@app/providers/bootstrap/cloud-errors';
import type { ObjectStore, ObjectStoreShell } from '@app/providers/bootstrap/object-store.port';
import {
  collectOutputs,
  layoutOf,
  readLogTail,
  resolveVmStatus,
  runLayout,
  type MachineView,
  type RunLayout,
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
import type { KubeApi, KubernetesConfig } from './kube-api';
import {
  ANNOTATION,
  buildJobManifest,
  gpuOf,
  jobName,
  LABEL,
  labelValue,
  MANAGED_BY,
} from './kubernetes-job-manifest';
import { configuredPrices } from './kubernetes-prices';
import { podView } from './kubernetes-pod-status';

/** Object storage for the runs: the platform reads through `store`, pods write through `shell`. */
export interface RunStorage {
  store: ObjectStore;
  shell: ObjectStoreShell;
  /** Base URI of the runs (`s3://artenic-models`). */
  root: string;
  /** Storage credentials put in the pod's environment when no Secret is configured. */
  env: Record<string, string>;
}

/**
 * Training on a Kubernetes cluster (generic, or CoreWeave as a preset of node labels and defaults): one
 * `batch/v1` Job per attempt whose pod runs the shared bootstrap script against S3-compatible storage.
 * Everything needed to find the Job again is in its labels and annotations, so reconcile can adopt it.
 */
export class KubernetesProvider implements TrainingProvider {
  private readonly pricedAt = new Date();

  constructor(
    readonly name: string,
    private readonly config: KubernetesConfig,
    private readonly api: KubeApi,
    private readonly storage: RunStorage,
  ) {}

  capabilities(): ProviderCapabilities {
    const spot =
      Object.keys(this.config.spot_node_selector).length > 0 || this.config.spot_tolerations.length > 0;
    return {
      spot,
      gpu: true,
      regions: this.config.regions,
      instance_types: Object.keys(this.config.prices),
      notes: `batch/v1 Jobs in namespace ${this.config.namespace}; GPU type by node label ${this.config.gpu_label}${
        spot ? '' : '; on-demand only (no preemptible node selector configured)'
      }`,
    };
  }

  prices(): Promise<InstancePrice[]> {
    return Promise.resolve(configuredPrices(this.name, this.config, this.pricedAt));
  }

  async provision(spec: LaunchSpec): Promise<ProviderJobHandle> {
    try {
      return await this.launch(spec);
    } catch (error) {
      throw launchFailure(this.name, 'Job creation', error);
    }
  }

  private async launch(spec: LaunchSpec): Promise<ProviderJobHandle> {
    const ns = this.config.namespace;
    const existing = await this.api.listJobs(
      ns,
      this.selector({ [LABEL.token]: labelValue(spec.idempotency_token) }),
    );
    const job = existing[0] ?? (await this.create(spec));
    const name = job.metadata?.name ?? jobName(spec);
    const gpu = gpuOf(spec);
    return {
      job_id: spec.job_id,
      attempt: spec.attempt,
      provider_job_id: name,
      region: spec.region,
      instance_type: spec.instance_type ?? gpu.type,
      spot: spec.spot,
      state: { ...this.layoutFromJob(job, spec), namespace: ns, job_name: name },
    };
  }

  private async create(spec: LaunchSpec): Promise<V1Job> {
    const ns = this.config.namespace;
    const manifest = buildJobManifest({
      provider: this.name,
      config: this.config,
      spec,
      layout: runLayout(this.storage.root, spec),
      shell: this.storage.shell,
      storageEnv: this.config.credentials_secret ? {} : this.storage.env,
    });
    try {
      return await this.api.createJob(ns, manifest);
    } catch (error) {
      if (httpStatusOf(error) !== 409) throw error;
      // Created by an earlier try whose answer was lost: the same attempt's Job, or a real name clash.
      const found = await this.api.readJob(ns, jobName(spec));
      if (found.metadata?.labels?.[LABEL.token] !== labelValue(spec.idempotency_token)) {
        throw conflict('KUBERNETES_JOB_NAME_TAKEN', `Job ${jobName(spec)} exists and belongs to another run`);
      }
      return found;
    }
  }

  private layoutFromJob(job: V1Job, spec: LaunchSpec): RunLayout {
    const a = job.metadata?.annotations ?? {};
    const planned = runLayout(this.storage.root, spec);
    return {
      run_uri: a[ANNOTATION.run] ?? planned.run_uri,
      output_uri: a[ANNOTATION.output] ?? planned.output_uri,
      checkpoint_uri: a[ANNOTATION.checkpoint] ?? planned.checkpoint_uri,
    };
  }

  start(handle: ProviderJobHandle): Promise<ProviderJobHandle> {
    return Promise.resolve(handle); // the Job controller starts the pod
  }

  async status(handle: ProviderJobHandle): Promise<ProviderJobStatus> {
    const machine = await this.machineView(handle);
    return cloudCall(this.name, 'status marker', () =>
      resolveVmStatus(this.storage.store, layoutOf(handle), machine),
    );
  }

  private async machineView(handle: ProviderJobHandle): Promise<MachineView> {
    const ns = this.namespaceOf(handle);
    const job = await this.readJob(ns, handle.provider_job_id);
    if (!job) return { phase: 'gone', preempted: false, detail: `Job ${handle.provider_job_id} not found` };
    const pods = await this.podsOf(handle);
    return podView(job, pods);
  }

  private async readJob(ns: string, name: string): Promise<V1Job | null> {
    try {
      return await this.api.readJob(ns, name);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw cloudFailure(this.name, 'readNamespacedJob', error);
    }
  }

  private podsOf(handle: ProviderJobHandle): Promise<V1Pod[]> {
    const token = labelValue(`${handle.job_id}-${handle.attempt}`);
    return cloudCall(this.name, 'listNamespacedPod', () =>
      this.api.listPods(this.namespaceOf(handle), this.selector({ [LABEL.token]: token })),
    );
  }

  /** The live pod's log while it exists (the training output as it happens), else the uploaded log. */
  async logs(handle: ProviderJobHandle, tailLines: number): Promise<string> {
    const pods = await this.podsOf(handle).catch(() => []);
    const newest = pods.sort((a, b) => created(b) - created(a))[0];
    if (newest?.metadata?.name && newest.status?.phase !== 'Pending') {
      const text = await this.api
        .readPodLog(this.namespaceOf(handle), newest.metadata.name, tailLines)
        .catch(() => '');
      if (text) return text.replace(/\n$/, '');
    }
    return cloudCall(this.name, 'log read', () =>
      readLogTail(this.storage.store, layoutOf(handle), tailLines),
    );
  }

  cancel(handle: ProviderJobHandle): Promise<void> {
    return this.teardown(handle);
  }

  collectArtifacts(handle: ProviderJobHandle, destinationDir: string): Promise<CollectedArtifact[]> {
    return cloudCall(this.name, 'artifact download', () =>
      collectOutputs(this.storage.store, layoutOf(handle), destinationDir),
    );
  }

  /** Deletes the Job; its pods follow (background propagation). Idempotent. */
  async teardown(handle: ProviderJobHandle): Promise<void> {
    await this.deleteJob(this.namespaceOf(handle), handle.provider_job_id);
  }

  private async deleteJob(ns: string, name: string): Promise<void> {
    try {
      await this.api.deleteJob(ns, name);
    } catch (error) {
      if (isNotFound(error)) return;
      throw cloudFailure(this.name, 'deleteNamespacedJob', error);
    }
  }

  async reconcile(live: Array<{ job_id: string; attempt: number }>): Promise<ReconcileResult> {
    const result: ReconcileResult = { removed: [], adopted: [] };
    const wanted = new Set(live.map((l) => `${l.job_id}#${l.attempt}`));
    const ns = this.config.namespace;
    const jobs = await cloudCall(this.name, 'listNamespacedJob', () =>
      this.api.listJobs(ns, this.selector({})),
    );
    for (const job of jobs) {
      const name = job.metadata?.name ?? '';
      const jobId =
        job.metadata?.annotations?.['artenic.ai/job-id'] ?? job.metadata?.labels?.[LABEL.job] ?? '';
      const attempt = Number(job.metadata?.labels?.[LABEL.attempt]);
      if (wanted.has(`${jobId}#${attempt}`)) {
        const a = job.metadata?.annotations ?? {};
        result.adopted.push({
          job_id: jobId,
          attempt,
          provider_job_id: name,
          state: {
            run_uri: a[ANNOTATION.run] ?? '',
            output_uri: a[ANNOTATION.output] ?? '',
            checkpoint_uri: a[ANNOTATION.checkpoint] ?? '',
            namespace: ns,
            job_name: name,
          },
        });
      } else {
        await this.deleteJob(ns, name);
        result.removed.push(name);
      }
    }
    return result;
  }

  /** This provider's Jobs (a cluster may be shared with `coreweave` or another platform), plus `extra`. */
  private selector(extra: Record<string, string>): string {
    return Object.entries({ [LABEL.managedBy]: MANAGED_BY, [LABEL.provider]: this.name, ...extra })
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }

  private namespaceOf(handle: ProviderJobHandle): string {
    return typeof handle.state.namespace === 'string' ? handle.state.namespace : this.config.namespace;
  }
}

function created(pod: V1Pod): number {
  const at = pod.metadata?.creationTimestamp;
  return at ? new Date(at).getTime() : 0;
}
