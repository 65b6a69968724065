import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import type { ProviderClock } from '../provider-clock';
import type {
  CollectedArtifact,
  InstancePrice,
  LaunchSpec,
  ProviderCapabilities,
  ProviderJobHandle,
  ProviderJobStatus,
  TrainingProvider,
} from '../training-provider.port';
import { parseMockSettings, type MockSettings } from './mock-settings';

const REGIONS = ['mock-region-1', 'mock-region-2', 'mock-region-3'];

/** The reference's three mock instance types (EUR per hour). */
const PRICE_LIST = [
  {
    instance_type: 'mock-cpu-small',
    vcpus: 2,
    memory_gb: 4,
    gpu_type: null,
    gpu_count: 0,
    on_demand: 10_000,
    spot: null,
  },
  {
    instance_type: 'mock-cpu-large',
    vcpus: 8,
    memory_gb: 32,
    gpu_type: null,
    gpu_count: 0,
    on_demand: 50_000,
    spot: null,
  },
  {
    instance_type: 'mock-gpu-a100',
    vcpus: 12,
    memory_gb: 80,
    gpu_type: 'A100',
    gpu_count: 1,
    on_demand: 2_500_000,
    spot: 750_000,
  },
] as const;

interface MockState extends Record<string, unknown> {
  settings: MockSettings;
  provisioned_at: string;
  started_at: string | null;
  resume_from: string | null;
  /** What the launch asked for, kept so that a test can see the request reached the provider. */
  gpu: { type: string | null; count: number };
}

/**
 * A deterministic provider for development and tests: what a job does is described by the dispatch
 * `config.mock`, and its state is computed from the persisted handle and the database clock — nothing is
 * kept in memory, so any replica, before or after a restart, sees the same job.
 */
export class MockProvider implements TrainingProvider {
  readonly name = 'mock';

  constructor(private readonly clock: ProviderClock) {}

  capabilities(): ProviderCapabilities {
    return {
      spot: true,
      gpu: true,
      regions: REGIONS,
      instance_types: PRICE_LIST.map((p) => p.instance_type),
      notes: 'deterministic simulation driven by config.mock',
    };
  }

  prices(): Promise<InstancePrice[]> {
    const fetchedAt = this.clock.now();
    return Promise.resolve(
      PRICE_LIST.map((p) => ({
        provider: this.name,
        instance_type: p.instance_type,
        region: null,
        currency: 'EUR',
        on_demand_per_hour_micros: p.on_demand,
        spot_per_hour_micros: p.spot,
        gpu_type: p.gpu_type,
        gpu_count: p.gpu_count,
        vcpus: p.vcpus,
        memory_gb: p.memory_gb,
        fetched_at: fetchedAt,
        stale: false,
        source: 'mock price list',
      })),
    );
  }

  provision(spec: LaunchSpec): Promise<ProviderJobHandle> {
    const settings = parseMockSettings(spec.options);
    if (settings.provision_error) return Promise.reject(new Error(settings.provision_error));
    const state: MockState = {
      settings,
      provisioned_at: this.clock.now().toISOString(),
      started_at: null,
      resume_from: spec.resume_from,
      gpu: spec.gpu,
    };
    const id = createHash('sha256').update(spec.idempotency_token).digest('hex').slice(0, 12);
    return Promise.resolve({
      job_id: spec.job_id,
      attempt: spec.attempt,
      provider_job_id: `mock-${id}`,
      region: spec.region,
      instance_type: spec.instance_type,
      spot: spec.spot,
      state,
    });
  }

  start(handle: ProviderJobHandle): Promise<ProviderJobHandle> {
    return Promise.resolve({
      ...handle,
      state: { ...handle.state, started_at: this.clock.now().toISOString() },
    });
  }

  status(handle: ProviderJobHandle): Promise<ProviderJobStatus> {
    return Promise.resolve(this.evaluate(handle));
  }

  logs(handle: ProviderJobHandle, tailLines: number): Promise<string> {
    const state = handle.state as MockState;
    const status = this.evaluate(handle);
    const lines = [
      `[mock] attempt ${handle.attempt} provisioned at ${state.provisioned_at}`,
      ...(state.resume_from ? [`[mock] resuming from ${state.resume_from}`] : []),
      `[mock] state ${status.state}${status.progress !== undefined ? ` progress ${status.progress.toFixed(2)}` : ''}`,
    ];
    return Promise.resolve(lines.slice(-tailLines).join('\n') + '\n');
  }

  cancel(): Promise<void> {
    return Promise.resolve();
  }

  async collectArtifacts(handle: ProviderJobHandle, destinationDir: string): Promise<CollectedArtifact[]> {
    const { files } = (handle.state as MockState).settings;
    const collected: CollectedArtifact[] = [];
    for (const [name, content] of Object.entries(files)) {
      const relative = normalize(name).replace(/^(\.\.(\/|\\|$))+/, '');
      const localPath = join(destinationDir, relative);
      await mkdir(dirname(localPath), { recursive: true });
      await writeFile(localPath, content);
      collected.push({
        path: relative,
        local_path: localPath,
        size_bytes: Buffer.byteLength(content),
        sha256: createHash('sha256').update(content).digest('hex'),
      });
    }
    return collected;
  }

  teardown(): Promise<void> {
    return Promise.resolve();
  }

  private evaluate(handle: ProviderJobHandle): ProviderJobStatus {
    const state = handle.state as MockState;
    const s = state.settings;
    const sinceStart =
      (this.clock.now().getTime() - Date.parse(state.started_at ?? state.provisioned_at)) / 1000;
    if (state.started_at === null || sinceStart < s.provision_seconds) return { state: 'provisioning' };
    const checkpoint = `mock://${handle.job_id}/checkpoints/attempt-${handle.attempt}`;
    const preempts =
      handle.spot &&
      s.preempt_at_seconds !== null &&
      (s.preempt_attempts === null || handle.attempt <= s.preempt_attempts);
    if (preempts && sinceStart >= (s.preempt_at_seconds ?? 0)) {
      return { state: 'preempted', message: 'spot capacity reclaimed (mock)', checkpoint_uri: checkpoint };
    }
    if (s.fail_at_seconds !== null && sinceStart >= s.fail_at_seconds) {
      return { state: 'failed', exit_code: 1, message: 'Process exited with code 1 (mock failure)' };
    }
    if (sinceStart >= s.duration_seconds)
      return { state: 'succeeded', exit_code: 0, progress: 1, metrics: s.metrics };
    return {
      state: 'running',
      progress: s.duration_seconds > 0 ? sinceStart / s.duration_seconds : 0,
      checkpoint_uri: checkpoint,
    };
  }
}
