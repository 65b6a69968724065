import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, LessThan, type DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';
import { SqlDialect } from '../database/sql-dialect';
import { ProviderClock } from '../providers/provider-clock';
import { ACTIVE_STATUSES } from './job-state-machine';
import { JobProcessor, type ClaimedJob, type StepResult } from './job-processor';
import { TrainingAttemptEntity } from './training-attempt.entity';
import { TrainingJobEntity } from './training-job.entity';
import { TrainingPollEntity } from './training-poll.entity';

export const TRAINING_POLLER_TASK = 'training.poller';
export const TRAINING_POLL_HISTORY_PRUNE_TASK = 'training.poll-history-prune';
const CHUNK = 1000;

/**
 * The training poller (DESIGN §6): each tick claims due jobs in batches with one statement per batch
 * (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id, lease_token`), runs one step
 * per job with bounded concurrency, and gives unchanged jobs back in one batched, fenced UPDATE. Claims
 * are recorded in `training_polls` (claimed_at / released_at on the database clock) for auditing.
 */
@Injectable()
export class TrainingPoller implements OnApplicationBootstrap {
  private readonly logger = new Logger('TrainingPoller');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dialect: SqlDialect,
    private readonly tasks: PeriodicTasks,
    private readonly processor: JobProcessor,
    private readonly clock: ProviderClock,
  ) {}

  onApplicationBootstrap(): void {
    this.tasks.register(TRAINING_POLLER_TASK, (signal) => this.tick(signal), {
      intervalMs: this.config.training.poll_interval_ms,
      timeoutMs: Math.max(60_000, this.config.training.poll_interval_ms * 5),
      runOnStart: true,
    });
    const retentionHours = this.config.training.poll_history_retention_hours;
    if (retentionHours > 0) {
      this.tasks.register(TRAINING_POLL_HISTORY_PRUNE_TASK, () => this.pruneHistory(retentionHours), {
        intervalMs: 15 * 60_000,
        timeoutMs: 120_000,
      });
    }
  }

  /** Claim records are an audit trail, not state: older ones go. */
  async pruneHistory(retentionHours: number): Promise<void> {
    const cutoff = new Date(this.clock.now().getTime() - retentionHours * 3600_000);
    await this.dataSource.getRepository(TrainingPollEntity).delete({ claimed_at: LessThan(cutoff) });
  }

  /**
   * Runs batches until no due job is left; returns how many jobs were stepped. Two batch loops run side
   * by side so that one batch's claim and load overlap the other's provider calls and release.
   */
  async tick(signal?: AbortSignal): Promise<number> {
    const loops = await Promise.all([this.loop(signal), this.loop(signal)]);
    return loops[0] + loops[1];
  }

  private async loop(signal?: AbortSignal): Promise<number> {
    const batchSize = this.config.training.poll_batch_size;
    let total = 0;
    for (let batch = 0; batch < 1000 && !signal?.aborted; batch++) {
      const claimed = await this.claim(batchSize);
      if (claimed.length === 0) break;
      await this.runBatch(claimed);
      total += claimed.length;
      if (claimed.length < batchSize) break;
    }
    return total;
  }

  private async claim(limit: number): Promise<Array<{ id: string; lease_token: number }>> {
    const p = (n: number) => this.dialect.param(n);
    const active = ACTIVE_STATUSES.map((s) => `'${s}'`).join(', ');
    const now = this.dialect.now;
    const rows: unknown = await this.dataSource.query(
      `UPDATE training_jobs
          SET lease_owner = ${p(1)}, lease_expires_at = ${this.dialect.nowPlusSeconds(p(2))}, lease_token = lease_token + 1
        WHERE id IN (
          SELECT id FROM training_jobs
           WHERE (status IN (${active}) OR needs_teardown = ${this.dialect.dialect === 'postgres' ? 'TRUE' : '1'})
             AND next_poll_at <= ${now}
             AND (lease_expires_at IS NULL OR lease_expires_at < ${now})
           ORDER BY next_poll_at
           LIMIT ${p(3)}
           ${this.dialect.forUpdateSkipLocked})
        RETURNING id, lease_token`,
      [this.config.instance_id, this.config.training.lease_seconds, limit],
    );
    return this.dialect
      .rows<{ id: string; lease_token: number | string }>(rows)
      .map((r) => ({ id: r.id, lease_token: Number(r.lease_token) }));
  }

  private async runBatch(claims: Array<{ id: string; lease_token: number }>): Promise<void> {
    const jobs = await this.load(claims);
    const now = this.clock.now();
    const results = new Map<string, StepResult>();
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const claimed = jobs[next++] as ClaimedJob;
        results.set(claimed.job.id, await this.step(claimed, now));
      }
    };
    // Half the configured concurrency per loop: two loops run at once.
    const workers = Math.max(1, Math.ceil(this.config.training.poll_concurrency / 2));
    await Promise.all(Array.from({ length: Math.min(workers, jobs.length) }, worker));
    await this.releaseUnchanged(jobs, results);
  }

  private async step(claimed: ClaimedJob, now: Date): Promise<StepResult> {
    try {
      return await this.processor.process(claimed, now);
    } catch (error) {
      this.logger.warn(`job ${claimed.job.id}: ${(error as Error).message}`);
      return {
        kind: 'unchanged',
        progress: claimed.job.progress,
        checkpoint_uri: claimed.job.checkpoint_uri,
        afterSeconds: this.config.training.status_interval_seconds,
      };
    }
  }

  /** Jobs, their current attempts and a claim record: three statements per chunk, whatever the batch. */
  private async load(claims: Array<{ id: string; lease_token: number }>): Promise<ClaimedJob[]> {
    const out: ClaimedJob[] = [];
    for (let i = 0; i < claims.length; i += CHUNK) {
      const chunk = claims.slice(i, i + CHUNK);
      const ids = chunk.map((c) => c.id);
      const [jobs, attempts, pollIds] = await Promise.all([
        this.dataSource.getRepository(TrainingJobEntity).find({ where: { id: In(ids) } }),
        this.dataSource.getRepository(TrainingAttemptEntity).find({ where: { job_id: In(ids) } }),
        this.recordClaims(chunk),
      ]);
      const byId = new Map(jobs.map((j) => [j.id, j]));
      const byAttempt = new Map(attempts.map((a) => [`${a.job_id}/${a.attempt}`, a]));
      for (const claim of chunk) {
        const job = byId.get(claim.id);
        if (!job || Number(job.lease_token) !== claim.lease_token) continue;
        const attempt = byAttempt.get(`${job.id}/${job.attempt}`);
        out.push({ job, token: claim.lease_token, pollId: pollIds.get(claim.id) ?? null, attempt });
      }
    }
    return out;
  }

  private async recordClaims(
    chunk: Array<{ id: string; lease_token: number }>,
  ): Promise<Map<string, number>> {
    if (this.config.training.poll_history_retention_hours === 0) return new Map();
    const p = (n: number) => this.dialect.param(n);
    const values = chunk
      .map((_, i) => `(${p(i * 3 + 1)}, ${p(i * 3 + 2)}, ${p(i * 3 + 3)}, ${this.dialect.now})`)
      .join(', ');
    const rows: unknown = await this.dataSource.query(
      `INSERT INTO training_polls (job_id, lease_owner, lease_token, claimed_at) VALUES ${values} RETURNING id, job_id`,
      chunk.flatMap((c) => [c.id, this.config.instance_id, c.lease_token]),
    );
    return new Map(
      this.dialect.rows<{ id: number | string; job_id: string }>(rows).map((r) => [r.job_id, Number(r.id)]),
    );
  }

  /**
   * Gives back every unchanged job in one fenced statement per chunk (progress, checkpoint and next due
   * time per row); the claim record is closed first, so a later claim never predates this release.
   */
  private async releaseUnchanged(jobs: ClaimedJob[], results: Map<string, StepResult>): Promise<void> {
    const unchanged = jobs.flatMap((c) => {
      const r = results.get(c.job.id);
      return r?.kind === 'unchanged' ? [{ c, r }] : [];
    });
    const p = (n: number) => this.dialect.param(n);
    for (let i = 0; i < unchanged.length; i += CHUNK) {
      const chunk = unchanged.slice(i, i + CHUNK);
      const pollIds = chunk.map(({ c }) => c.pollId).filter((id): id is number => id !== null);
      if (pollIds.length > 0) {
        await this.dataSource.query(
          `UPDATE training_polls SET released_at = ${this.dialect.now} WHERE id IN (${pollIds.map((_, k) => p(k + 1)).join(', ')})`,
          pollIds,
        );
      }
      const rows = chunk
        .map(
          (_, k) =>
            `(${p(k * 5 + 1)}, CAST(${p(k * 5 + 2)} AS bigint), CAST(${p(k * 5 + 3)} AS double precision), CAST(${p(k * 5 + 4)} AS varchar(500)), CAST(${p(k * 5 + 5)} AS double precision))`,
        )
        .join(', ');
      await this.dataSource.query(
        `UPDATE training_jobs
            SET progress = v.column3, checkpoint_uri = v.column4, lease_owner = NULL, lease_expires_at = NULL,
                next_poll_at = ${this.dialect.nowPlusSeconds('v.column5')}
           FROM (VALUES ${rows}) AS v
          WHERE training_jobs.id = v.column1 AND training_jobs.lease_token = v.column2`,
        chunk.flatMap(({ c, r }) =>
          r.kind === 'unchanged' ? [c.job.id, c.token, r.progress, r.checkpoint_uri, r.afterSeconds] : [],
        ),
      );
    }
  }
}
