import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { cpus, hostname, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config.schema';
import type { SqlDialect } from '../../database/sql-dialect';
import type { ProviderClock } from '../provider-clock';
import { ProviderCapacityError } from '../provider-errors';
import type {
  CollectedArtifact,
  InstancePrice,
  LaunchSpec,
  ProviderCapabilities,
  ProviderJobHandle,
  ProviderJobStatus,
  TrainingProvider,
} from '../training-provider.port';
import { killGroup, processAlive, readExitCode, spawnJobGroup } from './local-process';

interface LocalState extends Record<string, unknown> {
  host: string;
  job_dir: string;
  output_dir: string;
  checkpoint_dir: string;
  log_path: string;
  exit_path: string;
  cwd: string;
  pid: number | null;
}

/**
 * Runs the training command as a real subprocess on this machine, in its own process group and work
 * directory. Everything needed to find the job again (pid, paths) is in the persisted handle; the
 * concurrency limit is counted from `local_job_slots`, so a restarted platform still honours it.
 */
export class LocalProvider implements TrainingProvider {
  readonly name = 'local';
  private readonly host = hostname();

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly dialect: SqlDialect,
    private readonly clock: ProviderClock,
  ) {}

  get workDir(): string {
    return resolve(this.config.local.work_dir || join(this.config.data_dir, 'local-jobs'));
  }

  capabilities(): ProviderCapabilities {
    return {
      spot: false,
      gpu: this.config.local.gpu_enabled,
      regions: ['local'],
      instance_types: ['local-cpu'],
      notes: `subprocesses on ${this.host}, at most ${this.config.local.max_concurrent_jobs} at once`,
    };
  }

  prices(): Promise<InstancePrice[]> {
    return Promise.resolve([
      {
        provider: this.name,
        instance_type: 'local-cpu',
        region: 'local',
        currency: this.config.fx.rates?.base ?? 'EUR',
        on_demand_per_hour_micros: 0,
        spot_per_hour_micros: null,
        gpu_type: null,
        gpu_count: 0,
        vcpus: Math.max(1, cpus().length),
        memory_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
        fetched_at: this.clock.now(),
        stale: false,
        source: 'this machine (no charge)',
      },
    ]);
  }

  async provision(spec: LaunchSpec): Promise<ProviderJobHandle> {
    await this.acquireSlot(spec.job_id, spec.attempt);
    const jobDir = join(this.workDir, spec.job_id);
    const state: LocalState = {
      host: this.host,
      job_dir: jobDir,
      output_dir: join(jobDir, 'output'),
      checkpoint_dir: join(jobDir, 'checkpoints'),
      log_path: join(jobDir, 'train.log'),
      exit_path: join(jobDir, `attempt-${spec.attempt}.exit`),
      cwd: typeof spec.options.cwd === 'string' ? resolve(spec.options.cwd) : jobDir,
      pid: null,
    };
    for (const dir of [state.output_dir, state.checkpoint_dir]) await mkdir(dir, { recursive: true });
    return {
      job_id: spec.job_id,
      attempt: spec.attempt,
      provider_job_id: `local-${spec.job_id.slice(0, 8)}-${spec.attempt}`,
      region: 'local',
      instance_type: 'local-cpu',
      spot: false,
      state,
    };
  }

  start(handle: ProviderJobHandle, spec: LaunchSpec): Promise<ProviderJobHandle> {
    const state = handle.state as LocalState;
    if (state.pid !== null) return Promise.resolve(handle);
    if (spec.command.length === 0)
      return Promise.reject(new Error('no training command (config.command or config.entry_point)'));
    const env: Record<string, string> = {
      ...this.config.local.inherited_env,
      ...spec.env,
      ARTENIC_JOB_DIR: state.job_dir,
      ARTENIC_OUTPUT_DIR: state.output_dir,
      ARTENIC_CHECKPOINT_DIR: state.checkpoint_dir,
      ...(this.config.local.gpu_enabled ? {} : { CUDA_VISIBLE_DEVICES: '' }),
    };
    const { pid } = spawnJobGroup({
      argv: spec.command,
      cwd: state.cwd,
      env,
      logPath: state.log_path,
      exitPath: state.exit_path,
    });
    return Promise.resolve({ ...handle, state: { ...state, pid } });
  }

  async status(handle: ProviderJobHandle): Promise<ProviderJobStatus> {
    const state = handle.state as LocalState;
    const exited = await this.exitStatus(state);
    if (exited) return exited;
    if (state.pid === null) return { state: 'provisioning' };
    if (state.host === this.host && !processAlive(state.pid)) {
      // The wrapper writes the exit file before it exits: look once more to close the race.
      return (
        (await this.exitStatus(state)) ?? {
          state: 'lost',
          message: 'the local process is gone and left no exit code',
        }
      );
    }
    const metrics = await this.readMetrics(state);
    return {
      state: 'running',
      ...(metrics ? { metrics } : {}),
      ...(typeof metrics?.progress === 'number'
        ? { progress: Math.min(1, Math.max(0, metrics.progress)) }
        : {}),
      ...((await this.hasCheckpoint(state)) ? { checkpoint_uri: state.checkpoint_dir } : {}),
    };
  }

  async logs(handle: ProviderJobHandle, tailLines: number): Promise<string> {
    const state = handle.state as LocalState;
    const text = await readFile(state.log_path, 'utf8').catch(() => '');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines
      .slice(-tailLines)
      .map((l) => `${l}\n`)
      .join('');
  }

  async cancel(handle: ProviderJobHandle): Promise<void> {
    const state = handle.state as LocalState;
    if (state.pid !== null && state.host === this.host)
      await killGroup(state.pid, this.config.local.kill_grace_ms);
  }

  async collectArtifacts(handle: ProviderJobHandle, destinationDir: string): Promise<CollectedArtifact[]> {
    const state = handle.state as LocalState;
    const files = await listFiles(state.output_dir);
    const collected: CollectedArtifact[] = [];
    for (const file of files) {
      const path = relative(state.output_dir, file);
      const localPath = join(destinationDir, path);
      await mkdir(dirname(localPath), { recursive: true });
      await copyFile(file, localPath);
      collected.push({
        path,
        local_path: localPath,
        size_bytes: (await stat(localPath)).size,
        sha256: await sha256(localPath),
      });
    }
    return collected;
  }

  async teardown(handle: ProviderJobHandle): Promise<void> {
    await this.cancel(handle);
    await this.dataSource.query(
      `DELETE FROM local_job_slots WHERE job_id = ${this.dialect.param(1)} AND attempt = ${this.dialect.param(2)}`,
      [handle.job_id, handle.attempt],
    );
  }

  /** Idempotent per (job, attempt); refuses with a capacity error when this host runs its maximum. */
  private async acquireSlot(jobId: string, attempt: number): Promise<void> {
    const p = (n: number) => this.dialect.param(n);
    // Typed placeholders: PostgreSQL cannot infer one type for a parameter used in several places.
    const [job, att, host, max] = [
      `CAST(${p(1)} AS varchar)`,
      `CAST(${p(2)} AS integer)`,
      `CAST(${p(3)} AS varchar)`,
      `CAST(${p(4)} AS integer)`,
    ];
    const inserted = this.dialect.rows<{ job_id: string }>(
      await this.dataSource.query(
        `INSERT INTO local_job_slots (job_id, attempt, host, acquired_at)
         SELECT ${job}, ${att}, ${host}, ${this.dialect.now}
         WHERE NOT EXISTS (SELECT 1 FROM local_job_slots WHERE job_id = ${job} AND attempt = ${att})
           AND (SELECT COUNT(*) FROM local_job_slots WHERE host = ${host}) < ${max}
         RETURNING job_id`,
        this.dialect.dialect === 'postgres'
          ? [jobId, attempt, this.host, this.config.local.max_concurrent_jobs]
          : [jobId, attempt, this.host, jobId, attempt, this.host, this.config.local.max_concurrent_jobs],
      ),
    );
    if (inserted.length > 0) return;
    const mine: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM local_job_slots WHERE job_id = ${p(1)} AND attempt = ${p(2)}`,
      [jobId, attempt],
    );
    if (mine.length === 0) {
      throw new ProviderCapacityError(
        `all ${this.config.local.max_concurrent_jobs} local job slots are busy`,
      );
    }
  }

  private async exitStatus(state: LocalState): Promise<ProviderJobStatus | undefined> {
    const code = await readExitCode(state.exit_path);
    if (code === undefined) return undefined;
    const metrics = await this.readMetrics(state);
    if (code === 0) return { state: 'succeeded', exit_code: 0, progress: 1, ...(metrics ? { metrics } : {}) };
    return {
      state: 'failed',
      exit_code: code,
      message: `Process exited with code ${code}`,
      ...(metrics ? { metrics } : {}),
    };
  }

  /** `metrics.json` (numbers only) from the output dir, else the job dir: scripts may rewrite it as they go. */
  private async readMetrics(state: LocalState): Promise<Record<string, number> | undefined> {
    for (const dir of [state.output_dir, state.job_dir]) {
      try {
        const parsed = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
          return Object.fromEntries(
            Object.entries(parsed).filter(
              (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
            ),
          );
        }
      } catch {
        // absent or being rewritten: try the next place
      }
    }
    return undefined;
  }

  private async hasCheckpoint(state: LocalState): Promise<boolean> {
    return (await readdir(state.checkpoint_dir).catch(() => [])).length > 0;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? listFiles(join(dir, e.name)) : Promise.resolve(e.isFile() ? [join(dir, e.name)] : []),
    ),
  );
  return nested.flat().sort();
}

function sha256(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolvePromise(hash.digest('hex')))
      .on('error', reject);
  });
}
