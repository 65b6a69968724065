import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { RunningAttemptCost } from './dispatch-admission.port';

/** Read models other modules need (budgets meters spend in flight from running attempts). */
@Injectable()
export class TrainingQueries {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Every launched attempt that has not ended, with its hourly price and start (database clock). */
  async runningAttempts(): Promise<RunningAttemptCost[]> {
    const rows: Array<{
      job_id: string;
      attempt: number | string;
      service: string;
      provider: string;
      project: string | null;
      created_by: string;
      instance_type: string | null;
      region: string | null;
      spot: boolean | number;
      price_per_hour_micros: number | string;
      currency: string;
      started_at: Date | string;
    }> = await this.dataSource.query(
      `SELECT a.job_id, a.attempt, j.service, a.provider, j.project, j.created_by, a.instance_type, a.region, a.spot,
              a.price_per_hour_micros, a.currency, a.started_at
         FROM training_attempts a JOIN training_jobs j ON j.id = a.job_id
        WHERE a.ended_at IS NULL AND a.started_at IS NOT NULL`,
    );
    return rows.map((r) => ({
      job_id: r.job_id,
      attempt: Number(r.attempt),
      service: r.service,
      provider: r.provider,
      project: r.project,
      user: r.created_by,
      instance_type: r.instance_type,
      region: r.region,
      spot: r.spot === true || r.spot === 1,
      hourly_price_micros: Number(r.price_per_hour_micros),
      currency: r.currency,
      started_at: toDate(r.started_at),
    }));
  }
}

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}
