import { renderBootstrapScript } from '@app/providers/bootstrap/bootstrap-script';
import type { ObjectStore, ObjectStoreShell } from '@app/providers/bootstrap/object-store.port';
import type { PriceCache } from '@app/providers/bootstrap/price-cache';
import {
  collectOutputs,
  finishedStatus,
  layoutOf,
  readLogTail,
  readMarker,
  runLayout,
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

/** A machine (VM, pod, rented instance) as its cloud reports it. */
export interface MachineRef {
  id: string;
  /** Ids the adapter needs later (volume ids, the zone …); merged into the handle's state. */
  state?: Record<string, unknown>;
}

export type MachinePhase = 'provisioning' | 'running' | 'stopped' | 'gone' | 'error';

export interface TaggedMachine {
  id: string;
  job_id: string;
  attempt: number;
}

/** What `createMachine` receives: the bootstrap script and the names/labels that make a launch idempotent. */
export interface MachineLaunch {
  name: string;
  script: string;
  /** Environment the run needs (also exported by the script); container clouds pass it natively too. */
  env: Record<string, string>;
  region: string | null;
  instance_type: string;
  labels: Record<string, string>;
}

export interface RestVmDeps {
  store: ObjectStore;
  shell: ObjectStoreShell;
  /** Base URI of the run files (`s3://bucket`, `swift://container`). */
  root: string;
  prices: PriceCache;
  /** Extra environment the storage shell needs on the machine (S3 credentials of non-AWS clouds). */
  storage_env?: Record<string, string>;
}

export const JOB_LABEL = 'artenic-job-id';
export const ATTEMPT_LABEL = 'artenic-attempt';
export const MANAGED_LABEL = 'managed-by';
export const MANAGED_VALUE = 'artenic';

/** `artenic-<job uuid>-<attempt>`: a hostname-safe name that is the launch's idempotency key. */
export function machineName(jobId: string, attempt: number): string {
  return `artenic-${jobId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${attempt}`;
}

export function parseMachineName(name: string): { job_id: string; attempt: number } | null {
  const m = /^artenic-(.+)-(\d+)$/.exec(name);
  return m?.[1] && m[2] ? { job_id: m[1], attempt: Number(m[2]) } : null;
}

/**
 * The lifecycle shared by the REST clouds: the machine runs the shared bootstrap script, which writes status,
 * logs, checkpoints and outputs to object storage; the platform reads them back. Nothing is kept in memory:
 * the handle's state carries the machine id and the run layout. Subclasses speak their cloud's API.
 */
export abstract class RestVmProvider implements TrainingProvider {
  abstract readonly name: string;
  /** VMs power themselves off once results are uploaded; container clouds end when the script exits. */
  protected readonly poweroff: string | null = 'shutdown -h now';

  constructor(protected readonly deps: RestVmDeps) {}

  abstract capabilities(): ProviderCapabilities;
  protected abstract defaultInstanceType(): string;
  protected abstract findMachine(name: string, spec: LaunchSpec): Promise<MachineRef | null>;
  protected abstract createMachine(spec: LaunchSpec, launch: MachineLaunch): Promise<MachineRef>;
  protected abstract machinePhase(
    handle: ProviderJobHandle,
  ): Promise<{ phase: MachinePhase; message?: string }>;
  /** Deletes the machine and what was created with it; a machine already gone is not an error. */
  protected abstract deleteMachine(handle: ProviderJobHandle): Promise<void>;
  protected abstract listTaggedMachines(): Promise<TaggedMachine[]>;

  prices(): Promise<InstancePrice[]> {
    return this.deps.prices.get();
  }

  async provision(spec: LaunchSpec): Promise<ProviderJobHandle> {
    const layout = runLayout(this.deps.root, spec);
    const name = machineName(spec.job_id, spec.attempt);
    const instanceType = spec.instance_type ?? this.defaultInstanceType();
    const existing = await this.findMachine(name, spec);
    const machine =
      existing ??
      (await this.createMachine(spec, {
        name,
        script: await this.script(spec, layout),
        env: { ...spec.env, ...(this.deps.storage_env ?? {}) },
        region: spec.region,
        instance_type: instanceType,
        labels: {
          [JOB_LABEL]: spec.job_id,
          [ATTEMPT_LABEL]: String(spec.attempt),
          [MANAGED_LABEL]: MANAGED_VALUE,
        },
      }));
    return {
      job_id: spec.job_id,
      attempt: spec.attempt,
      provider_job_id: machine.id,
      region: spec.region,
      instance_type: instanceType,
      spot: spec.spot,
      state: { ...layout, machine_name: name, machine_id: machine.id, ...(machine.state ?? {}) },
    };
  }

  start(handle: ProviderJobHandle): Promise<ProviderJobHandle> {
    return Promise.resolve(handle); // the machine starts the run itself from its bootstrap script
  }

  async status(handle: ProviderJobHandle): Promise<ProviderJobStatus> {
    const layout = layoutOf(handle);
    const marker = await readMarker(this.deps.store, layout);
    if (marker && marker.status !== 'running') return finishedStatus(this.deps.store, layout, marker);
    const { phase, message } = await this.machinePhase(handle);
    if (phase === 'provisioning') return { state: 'provisioning' };
    if (phase === 'running') return { state: 'running' };
    // The run may have finished between the two reads: look at the marker once more before concluding.
    const late = await readMarker(this.deps.store, layout);
    if (late && late.status !== 'running') return finishedStatus(this.deps.store, layout, late);
    if (phase === 'error')
      return { state: 'failed', message: message ?? `${this.name} reports the machine in error` };
    if (handle.spot) {
      return {
        state: 'preempted',
        message: message ?? `${this.name} reclaimed the interruptible machine before the run finished`,
        checkpoint_uri: layout.checkpoint_uri,
      };
    }
    return {
      state: 'failed',
      message: message ?? `the ${this.name} machine ${phase} before the run reported a result`,
    };
  }

  logs(handle: ProviderJobHandle, tailLines: number): Promise<string> {
    return readLogTail(this.deps.store, layoutOf(handle), tailLines);
  }

  cancel(handle: ProviderJobHandle): Promise<void> {
    return this.deleteMachine(handle);
  }

  collectArtifacts(handle: ProviderJobHandle, destinationDir: string): Promise<CollectedArtifact[]> {
    return collectOutputs(this.deps.store, layoutOf(handle), destinationDir);
  }

  async teardown(handle: ProviderJobHandle): Promise<void> {
    await this.deleteMachine(handle);
    // Status, logs and (collected) outputs of the attempt; checkpoints stay for the job's next attempt.
    await this.deps.store.deletePrefix(`${layoutOf(handle).run_uri}/`);
  }

  async reconcile(live: Array<{ job_id: string; attempt: number }>): Promise<ReconcileResult> {
    const wanted = new Set(live.map((l) => `${l.job_id}#${l.attempt}`));
    const result: ReconcileResult = { removed: [], adopted: [] };
    for (const m of await this.listTaggedMachines()) {
      const spec = {
        job_id: m.job_id,
        attempt: m.attempt,
        output_uri: null,
        checkpoint_uri: null,
      } as LaunchSpec;
      const layout = runLayout(this.deps.root, spec);
      const state = { ...layout, machine_name: machineName(m.job_id, m.attempt), machine_id: m.id };
      if (wanted.has(`${m.job_id}#${m.attempt}`)) {
        result.adopted.push({ job_id: m.job_id, attempt: m.attempt, provider_job_id: m.id, state });
        continue;
      }
      await this.deleteMachine(this.orphanHandle(m, state));
      result.removed.push(m.id);
    }
    return result;
  }

  private orphanHandle(m: TaggedMachine, state: Record<string, unknown>): ProviderJobHandle {
    return {
      job_id: m.job_id,
      attempt: m.attempt,
      provider_job_id: m.id,
      region: null,
      instance_type: null,
      spot: false,
      state,
    };
  }

  /** How the machine moves files; per run where the cloud signs URLs for the run's objects (Swift). */
  protected runShell(_spec: LaunchSpec, _layout: RunLayout): Promise<ObjectStoreShell> {
    return Promise.resolve(this.deps.shell);
  }

  protected async script(spec: LaunchSpec, layout: RunLayout): Promise<string> {
    return renderBootstrapScript({
      job_id: spec.job_id,
      attempt: spec.attempt,
      command: spec.command,
      env: { ...spec.env, ...(this.deps.storage_env ?? {}) },
      code_uri: spec.code_uri,
      resume_from: spec.resume_from,
      ...layout,
      max_runtime_seconds: spec.max_runtime_seconds,
      store: await this.runShell(spec, layout),
      poweroff: this.poweroff,
    });
  }
}
