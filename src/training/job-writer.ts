import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { EventOutbox } from '../events/event-outbox';
import { SqlDialect } from '../database/sql-dialect';
import { TransactionRunner } from '../database/transaction-runner';
import { ExchangeRates } from '../providers/exchange-rates';
import { ProviderClock } from '../providers/provider-clock';
import type { CollectedArtifact } from '../providers/training-provider.port';
import { costOf } from './cost-predictor';
import { ACTIVE_STATUSES, assertTransition, isTerminal, type JobStatus } from './job-state-machine';
import { OutcomeRecorder } from './outcome-recorder';
import { TrainingAttemptEntity, type AttemptStatus } from './training-attempt.entity';
import { TrainingJobEntity } from './training-job.entity';

/** Who may write: the poller holding lease `token`, or a user cancel (which fences every poller out). */
export type WriteGuard = { kind: 'lease'; token: number; pollId: number | null } | { kind: 'cancel' };

export type JobPatch = Partial<Omit<TrainingJobEntity, 'id' | 'status' | 'lease_token'>>;

export interface JobWrite {
  job: TrainingJobEntity;
  guard: WriteGuard;
  /** The new status (an event is written); omitted: the status stays. */
  to?: JobStatus;
  patch?: JobPatch;
  /** Give the lease back; the job is due again after this many seconds. */
  releaseAfterSeconds?: number;
  /** The current attempt: fields to set, and whether it ends now (its cost is then added to the job). */
  attempt?: {
    row: TrainingAttemptEntity;
    patch?: Partial<TrainingAttemptEntity>;
    end?: { status: AttemptStatus; reason: string | null };
  };
  /** A new attempt row (recovery). */
  newAttempt?: Partial<TrainingAttemptEntity>;
  /** Files collected for the outcome (terminal writes). */
  artifacts?: CollectedArtifact[];
}

/**
 * Every write to a job goes through here: one transaction whose first statement is the guarded UPDATE
 * (`WHERE id AND lease_token` for pollers, `WHERE status IN (active)` + token bump for cancels); zero rows
 * means the lease was lost or the job moved on, and nothing else is written. Transitions are checked
 * against the state machine and each one appends its `training` event; terminal ones write the outcome
 * and settle admissions in the same transaction.
 */
@Injectable()
export class JobWriter {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
    private readonly outbox: EventOutbox,
    private readonly clock: ProviderClock,
    private readonly fx: ExchangeRates,
    private readonly outcomes: OutcomeRecorder,
  ) {}

  /** Returns the job as written, or undefined when the guard failed (lease lost / already finished). */
  async write(w: JobWrite): Promise<TrainingJobEntity | undefined> {
    if (w.to !== undefined && w.to !== w.job.status) assertTransition(w.job.status, w.to);
    return this.tx.run(async (manager) => {
      const now = this.clock.now();
      const cost = w.attempt
        ? this.attemptCost(w.attempt.row, now, w.job.currency)
        : { raw: 0, converted: 0 };
      const ending = w.attempt?.end !== undefined;
      const patch: JobPatch = {
        ...w.patch,
        ...(ending ? { cost_micros: w.job.cost_micros + cost.converted } : {}),
      };
      if (!(await this.updateJob(manager, w, patch))) return undefined;
      const after = Object.assign(new TrainingJobEntity(), w.job, patch, { status: w.to ?? w.job.status });
      if (w.attempt) await this.updateAttempt(manager, w.attempt, ending ? cost.raw : 0, now);
      if (w.newAttempt)
        await manager.insert(TrainingAttemptEntity, {
          ...w.newAttempt,
          created_at: now,
        } as QueryDeepPartialEntity<TrainingAttemptEntity>);
      if (w.to !== undefined && w.to !== w.job.status) {
        await this.outbox.append(manager, {
          topic: 'training',
          type: 'job.status_changed',
          subject: after.id,
          data: eventData(after, w.job.status, ending ? 0 : cost.converted),
        });
      }
      if (w.to !== undefined && isTerminal(w.to) && w.to !== w.job.status) {
        after.completed_at = now;
        await this.outcomes.record(manager, after, w.artifacts ?? []);
      }
      if (w.guard.kind === 'lease' && w.guard.pollId !== null && w.releaseAfterSeconds !== undefined) {
        await manager.query(
          `UPDATE training_polls SET released_at = ${this.dialect.now} WHERE id = ${this.dialect.param(1)}`,
          [w.guard.pollId],
        );
      }
      return after;
    });
  }

  private async updateJob(manager: EntityManager, w: JobWrite, patch: JobPatch): Promise<boolean> {
    const now = () => this.dialect.now;
    const set: QueryDeepPartialEntity<TrainingJobEntity> = {
      ...(patch as QueryDeepPartialEntity<TrainingJobEntity>),
      updated_at: now,
    };
    if (w.to !== undefined) set.status = w.to;
    if (w.to !== undefined && isTerminal(w.to) && w.to !== w.job.status) set.completed_at = now;
    if (w.releaseAfterSeconds !== undefined || w.guard.kind === 'cancel') {
      set.lease_owner = null;
      set.lease_expires_at = null;
      set.next_poll_at = () => this.dialect.nowPlusSeconds(String(Number(w.releaseAfterSeconds ?? 0)));
    }
    const query = manager.createQueryBuilder().update(TrainingJobEntity).where('id = :id', { id: w.job.id });
    if (w.guard.kind === 'lease') {
      query.andWhere('lease_token = :token', { token: w.guard.token });
    } else {
      set.lease_token = () => 'lease_token + 1';
      query.andWhere('status IN (:...active)', { active: ACTIVE_STATUSES });
    }
    const result = await query.set(set).execute();
    return (result.affected ?? 0) > 0;
  }

  private async updateAttempt(
    manager: EntityManager,
    a: NonNullable<JobWrite['attempt']>,
    cost: number,
    now: Date,
  ): Promise<void> {
    const set: Partial<TrainingAttemptEntity> = { ...a.patch };
    // An attempt's cost stays in its price's currency; the job's total holds the converted sum.
    if (a.end)
      Object.assign(set, {
        status: a.end.status,
        end_reason: a.end.reason,
        ended_at: now,
        cost_micros: cost,
      });
    Object.assign(a.row, set);
    await manager.update(
      TrainingAttemptEntity,
      { id: a.row.id },
      set as QueryDeepPartialEntity<TrainingAttemptEntity>,
    );
  }

  /** What the live attempt cost from its start to now: in its own currency and in the job's. */
  private attemptCost(
    attempt: TrainingAttemptEntity,
    now: Date,
    jobCurrency: string,
  ): { raw: number; converted: number } {
    if (attempt.started_at === null || attempt.ended_at !== null) return { raw: 0, converted: 0 };
    const seconds = (now.getTime() - new Date(attempt.started_at).getTime()) / 1000;
    const raw = costOf(attempt.price_per_hour_micros, seconds);
    return { raw, converted: this.fx.convertMicros(raw, attempt.currency, jobCurrency) };
  }
}

export function eventData(
  job: TrainingJobEntity,
  previous: JobStatus,
  liveCostMicros = 0,
): Record<string, unknown> {
  return {
    job_id: job.id,
    status: job.status,
    previous_status: previous,
    service: job.service,
    model: job.model,
    provider: job.provider,
    region: job.region,
    is_spot: job.is_spot,
    attempt: job.attempt,
    preemption_count: job.preemption_count,
    failure_count: job.failure_count,
    progress: job.progress,
    cost_so_far_micros: job.cost_micros + liveCostMicros,
    currency: job.currency,
    error: job.error,
  };
}
