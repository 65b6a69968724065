import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { RunningAttemptCost, SettledJob } from '../training/dispatch-admission.port';
import { BudgetSpendEntity } from './budget.entities';
import { namedQuery } from './budget-sums';

export interface SpendEntry {
  kind: 'meter' | 'settlement';
  dedup_key: string;
  job_id: string;
  attempt: number;
  service: string;
  provider: string;
  project: string | null;
  user: string;
  amount_micros: number;
  currency: string;
  metered_from: Date | null;
  occurred_at: Date;
}

const MS_PER_HOUR = 3_600_000;

/**
 * The spend ledger. Rows are written idempotently (a unique `dedup_key`), so two replicas metering the
 * same interval, or a settlement replayed, never count money twice.
 */
@Injectable()
export class BudgetLedger {
  private readonly logger = new Logger('BudgetLedger');

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Inserts one entry; false when an entry with the same key already exists. */
  async record(entry: SpendEntry, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows = await namedQuery<{ id: unknown }>(
      manager,
      `INSERT INTO budget_spend (dedup_key, kind, job_id, attempt, service, provider, project, username,
                                 amount_micros, currency, metered_from, occurred_at)
       VALUES (:dedup_key, :kind, :job_id, :attempt, :service, :provider, :project, :user,
               :amount_micros, :currency, :metered_from, :occurred_at)
       ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
      { ...entry },
    );
    return rows.length === 1;
  }

  /** Price × elapsed since the attempt's last meter (or its start), up to `now` (database clock). */
  async meter(attempts: RunningAttemptCost[], now: Date): Promise<number> {
    let written = 0;
    for (const a of attempts) {
      const last = await this.dataSource.getRepository(BudgetSpendEntity).findOne({
        where: { job_id: a.job_id, attempt: a.attempt, kind: 'meter' },
        order: { occurred_at: 'DESC' },
      });
      const from = last && last.occurred_at > a.started_at ? last.occurred_at : a.started_at;
      const elapsedMs = now.getTime() - from.getTime();
      if (elapsedMs <= 0) continue;
      const amount = Math.round((a.hourly_price_micros * elapsedMs) / MS_PER_HOUR);
      const ok = await this.record({
        kind: 'meter',
        dedup_key: `meter:${a.job_id}:${a.attempt}:${from.toISOString()}`,
        job_id: a.job_id,
        attempt: a.attempt,
        service: a.service,
        provider: a.provider,
        project: a.project,
        user: a.user,
        amount_micros: amount,
        currency: a.currency,
        metered_from: from,
        occurred_at: now,
      });
      if (ok) written += 1;
    }
    return written;
  }

  /**
   * At the job's end, the part of its final cost that metering did not see (the tail after the last
   * meter) enters the ledger. Metered spend is never taken back: it was observed running.
   */
  async settle(manager: EntityManager, job: SettledJob, now: Date): Promise<void> {
    const rows = await namedQuery<{ metered: unknown }>(
      manager,
      `SELECT COALESCE(SUM(amount_micros), 0) AS metered FROM budget_spend WHERE job_id = :job_id AND currency = :currency`,
      { job_id: job.job_id, currency: job.currency },
    );
    const tail = job.cost_micros - Number(rows[0]?.metered ?? 0);
    if (tail <= 0) return;
    await this.record(
      {
        kind: 'settlement',
        dedup_key: `settle:${job.job_id}`,
        job_id: job.job_id,
        attempt: 0,
        service: job.service,
        provider: job.provider,
        project: job.project,
        user: job.user,
        amount_micros: tail,
        currency: job.currency,
        metered_from: null,
        occurred_at: now,
      },
      manager,
    );
    this.logger.debug(`job ${job.job_id}: settled unmetered tail ${tail} ${job.currency}`);
  }
}
