/*
 * The port every training backend implements (mock, local, the clouds, plugins). Adapters are plain
 * classes built from validated config; they keep no state in memory: whatever they need to find their
 * resources again lives in `ProviderJobHandle.state`, which the training module persists with the job
 * attempt, so a restarted platform (or another replica) picks up where the last one was.
 */

/** Injection token: the multi-provider list of constructed, enabled adapters. */
export const TRAINING_PROVIDERS = Symbol('TRAINING_PROVIDERS');

export interface ProviderCapabilities {
  /** Spot / preemptible / interruptible capacity is offered. */
  spot: boolean;
  gpu: boolean;
  regions: string[];
  /** Instance types this provider can launch (empty = any its price list names). */
  instance_types: string[];
  /** Free text shown to users, e.g. "on-demand only". */
  notes?: string;
}

/** A price in integer micro-units of `currency` per hour (never a float). */
export interface InstancePrice {
  provider: string;
  instance_type: string;
  region: string | null;
  currency: string;
  on_demand_per_hour_micros: number;
  spot_per_hour_micros: number | null;
  gpu_type: string | null;
  gpu_count: number;
  vcpus: number | null;
  memory_gb: number | null;
  /** When the price source was read; `stale` when the last refresh failed and older prices are kept. */
  fetched_at: Date;
  stale: boolean;
  source: string;
}

export interface LaunchSpec {
  job_id: string;
  /** 1 for the first run, +1 for each retry after a preemption or fallback. */
  attempt: number;
  service: string;
  model: string;
  /** The training command (local: argv; VMs: run by the bootstrap script). */
  command: string[];
  /** Environment for the training process: hyperparameters, ARTENIC_OUTPUT_DIR, checkpoints … */
  env: Record<string, string>;
  instance_type: string | null;
  region: string | null;
  spot: boolean;
  gpu: { type: string | null; count: number };
  max_runtime_seconds: number;
  /** Stable per (job, attempt): EC2 ClientToken, labels/tags elsewhere, so a retried launch is a no-op. */
  idempotency_token: string;
  /** Where the code bundle, checkpoints and artifacts live for remote machines (object storage URIs). */
  code_uri: string | null;
  checkpoint_uri: string | null;
  resume_from: string | null;
  output_uri: string | null;
  /** Provider-specific options from the dispatch request's `config`. */
  options: Record<string, unknown>;
}

/** What an adapter needs to find a launched job again; persisted by the training module. */
export interface ProviderJobHandle {
  job_id: string;
  attempt: number;
  provider_job_id: string;
  region: string | null;
  instance_type: string | null;
  spot: boolean;
  state: Record<string, unknown>;
}

export type ProviderJobState =
  'provisioning' | 'running' | 'succeeded' | 'failed' | 'preempted' | 'cancelled' | 'lost';

export interface ProviderJobStatus {
  state: ProviderJobState;
  message?: string;
  exit_code?: number;
  /** 0..1 when the job reports it. */
  progress?: number;
  /** Final or intermediate metrics reported by the job. */
  metrics?: Record<string, number>;
  /** Latest checkpoint written by the job, handed to the next attempt after a preemption. */
  checkpoint_uri?: string;
  /** Updated adapter state to persist (e.g. an instance id learnt after provisioning). */
  state_patch?: Record<string, unknown>;
}

export interface CollectedArtifact {
  /** Path relative to the job's output directory. */
  path: string;
  /** Absolute local path of the downloaded file. */
  local_path: string;
  size_bytes: number;
  sha256: string;
}

export interface ReconcileResult {
  /** Resources carrying a platform job tag that no live attempt owns: removed. */
  removed: string[];
  /** Resources found for live attempts whose launch result was never recorded: adopted. */
  adopted: Array<{
    job_id: string;
    attempt: number;
    provider_job_id: string;
    state: Record<string, unknown>;
  }>;
}

export interface TrainingProvider {
  /** The key used in dispatch requests (`mock`, `local`, `aws` …). */
  readonly name: string;
  capabilities(): ProviderCapabilities;
  /** Current prices; adapters cache and mark stale prices themselves. */
  prices(): Promise<InstancePrice[]>;
  /** Creates the machine / process slot / Kubernetes Job. Must be idempotent on `idempotency_token`. */
  provision(spec: LaunchSpec): Promise<ProviderJobHandle>;
  /** Starts the training run on what `provision` created (a no-op where the machine starts it itself). */
  start(handle: ProviderJobHandle, spec: LaunchSpec): Promise<ProviderJobHandle>;
  status(handle: ProviderJobHandle): Promise<ProviderJobStatus>;
  /** The last `tailLines` lines of the job's combined output. */
  logs(handle: ProviderJobHandle, tailLines: number): Promise<string>;
  cancel(handle: ProviderJobHandle): Promise<void>;
  /** Copies the job's output files into `destinationDir`. */
  collectArtifacts(handle: ProviderJobHandle, destinationDir: string): Promise<CollectedArtifact[]>;
  /** Deletes every resource the adapter created for this attempt. Idempotent. */
  teardown(handle: ProviderJobHandle): Promise<void>;
  /** Finds tagged resources: removes orphans, adopts those of live attempts. */
  reconcile?(live: Array<{ job_id: string; attempt: number }>): Promise<ReconcileResult>;
}
