import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import type {
  CollectedArtifact,
  LaunchSpec,
  ProviderJobHandle,
  ProviderJobStatus,
} from '@app/providers/training-provider.port';
import { joinUri, type ObjectStore } from './object-store.port';

/** Where one attempt's files live in object storage; persisted in the handle's state. */
export interface RunLayout {
  run_uri: string;
  output_uri: string;
  checkpoint_uri: string;
}

/**
 * `root` is the store's base URI (`s3://artenic-models`). Checkpoints are per job (shared by its attempts so a
 * resumed attempt finds them); status, logs and outputs are per attempt.
 */
export function runLayout(root: string, spec: LaunchSpec): RunLayout {
  const run = joinUri(root, 'training', spec.job_id, `attempt-${spec.attempt}`);
  return {
    run_uri: run,
    output_uri: spec.output_uri ?? joinUri(run, 'output'),
    checkpoint_uri: spec.checkpoint_uri ?? joinUri(root, 'training', spec.job_id, 'checkpoints'),
  };
}

export function layoutOf(handle: ProviderJobHandle): RunLayout {
  const s = handle.state;
  if (
    typeof s.run_uri !== 'string' ||
    typeof s.output_uri !== 'string' ||
    typeof s.checkpoint_uri !== 'string'
  ) {
    throw new Error(`handle of job ${handle.job_id} has no run layout`);
  }
  return { run_uri: s.run_uri, output_uri: s.output_uri, checkpoint_uri: s.checkpoint_uri };
}

export interface StatusMarker {
  status: 'running' | 'completed' | 'failed';
  exit_code: number | null;
  reason: string;
}

/** Reads the marker the bootstrap script writes; a torn or foreign file counts as absent. */
export async function readMarker(store: ObjectStore, layout: RunLayout): Promise<StatusMarker | null> {
  const text = await store.getText(joinUri(layout.run_uri, 'status.json'));
  if (!text) return null;
  try {
    const raw = JSON.parse(text) as Partial<StatusMarker>;
    if (raw.status !== 'running' && raw.status !== 'completed' && raw.status !== 'failed') return null;
    return {
      status: raw.status,
      exit_code: typeof raw.exit_code === 'number' ? raw.exit_code : null,
      reason: typeof raw.reason === 'string' ? raw.reason : '',
    };
  } catch {
    return null;
  }
}

/** Numeric entries of the job's `metrics.json`; anything else is ignored. */
export async function readMetrics(store: ObjectStore, layout: RunLayout): Promise<Record<string, number>> {
  const text = await store.getText(joinUri(layout.run_uri, 'metrics.json'));
  if (!text) return {};
  try {
    const raw = JSON.parse(text) as unknown;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return {};
    return Object.fromEntries(
      Object.entries(raw as Record<string, unknown>).filter(
        (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
      ),
    );
  } catch {
    return {};
  }
}

/** The platform-side view of a finished marker: the job's final status. */
export async function finishedStatus(
  store: ObjectStore,
  layout: RunLayout,
  marker: StatusMarker,
): Promise<ProviderJobStatus> {
  const metrics = await readMetrics(store, layout);
  if (marker.status === 'completed') {
    return { state: 'succeeded', exit_code: 0, metrics, checkpoint_uri: layout.checkpoint_uri, progress: 1 };
  }
  return {
    state: 'failed',
    message: marker.reason || `training exited with code ${marker.exit_code ?? '?'}`,
    ...(marker.exit_code !== null ? { exit_code: marker.exit_code } : {}),
    metrics,
    checkpoint_uri: layout.checkpoint_uri,
  };
}

export async function readLogTail(store: ObjectStore, layout: RunLayout, tailLines: number): Promise<string> {
  const text = await store.getText(joinUri(layout.run_uri, 'logs', 'train.log'));
  if (!text) return '';
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-Math.max(0, tailLines)).join('\n');
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Downloads everything under the run's output prefix into `destinationDir`, refusing paths that escape it. */
export async function collectOutputs(
  store: ObjectStore,
  layout: RunLayout,
  destinationDir: string,
): Promise<CollectedArtifact[]> {
  const prefix = layout.output_uri.replace(/\/+$/, '') + '/';
  const root = resolve(destinationDir);
  const collected: CollectedArtifact[] = [];
  for (const object of await store.list(prefix)) {
    const rel = object.uri.slice(prefix.length);
    const local = resolve(root, rel);
    if (!rel || !local.startsWith(root + sep)) continue;
    await mkdir(dirname(local), { recursive: true });
    await store.download(object.uri, local);
    const { size } = await stat(local);
    collected.push({
      path: relative(root, local).split(sep).join('/'),
      local_path: local,
      size_bytes: size,
      sha256: await sha256(local),
    });
  }
  return collected.sort((a, b) => a.path.localeCompare(b.path));
}

/** What an adapter learnt about its machine from the cloud's own API. */
export interface MachineView {
  phase: 'provisioning' | 'running' | 'stopping' | 'stopped' | 'gone';
  /** The cloud's own interruption signal (EC2 state reason, GCE preemption, Azure eviction …). */
  preempted: boolean;
  detail: string;
}

/**
 * Job state from the machine plus the status marker. The marker wins (the script writes it before powering
 * off); an interruption signal means `preempted`; a machine that stopped or vanished without a marker failed.
 */
export async function resolveVmStatus(
  store: ObjectStore,
  layout: RunLayout,
  machine: MachineView,
): Promise<ProviderJobStatus> {
  const marker = await readMarker(store, layout);
  if (marker && marker.status !== 'running') return finishedStatus(store, layout, marker);
  if (machine.preempted) {
    return {
      state: 'preempted',
      message: `spot capacity reclaimed: ${machine.detail}`,
      checkpoint_uri: layout.checkpoint_uri,
    };
  }
  switch (machine.phase) {
    case 'provisioning':
      return { state: 'provisioning', message: machine.detail };
    case 'running':
    case 'stopping':
      // A stopping machine may still be uploading its results: the marker decides on a later poll.
      return { state: 'running', message: machine.detail };
    case 'stopped':
      return { state: 'failed', message: `machine stopped before the run finished: ${machine.detail}` };
    case 'gone':
      return { state: 'lost', message: `machine no longer exists: ${machine.detail}` };
  }
}
