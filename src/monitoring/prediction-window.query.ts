import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { recordRows } from './drift/feature-columns';
import type { ReferenceSamples } from './model-health.entities';

export interface ModelTraffic {
  model_id: string;
  /** Rows predicted (a batch counts its rows). */
  predictions: number;
  calls: number;
  /** Rows of failed calls. */
  errors: number;
  first_at: Date;
  last_at: Date;
}

export interface SampledRecords extends ReferenceSamples {
  /** The last record read (oldest-first reads): where a traffic reference ends. */
  last: { at: Date; id: string } | null;
}

interface SampleQuery {
  modelId: string;
  since: Date;
  /** Only records strictly after this one (the end of a traffic reference). */
  after?: { at: Date; id: string } | null;
  order: 'oldest' | 'newest';
  limit: number;
}

/**
 * Read-only queries over the `predictions` table that the inference gateway writes (its documented read
 * model for monitoring; PredictionRecords exposes no ordered, sampled-only read). Counts are aggregated in
 * SQL; latencies and samples are bounded fetches. Named parameters go through the driver so that Dates
 * are bound the way each database stores them.
 */
@Injectable()
export class PredictionWindow {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Traffic per model version since `since` (ensemble answers have no model id and are not monitored). */
  async trafficSince(since: Date): Promise<ModelTraffic[]> {
    const rows = await this.query<Record<string, unknown>>(
      `SELECT model_id, SUM(batch_size) AS predictions, COUNT(*) AS calls,
              SUM(CASE WHEN error_code IS NULL THEN 0 ELSE batch_size END) AS errors,
              MIN(created_at) AS first_at, MAX(created_at) AS last_at
         FROM predictions WHERE created_at >= :since AND model_id IS NOT NULL GROUP BY model_id`,
      { since },
    );
    return rows.map((r) => ({
      model_id: String(r.model_id),
      predictions: Number(r.predictions),
      calls: Number(r.calls),
      errors: Number(r.errors),
      first_at: toDate(r.first_at),
      last_at: toDate(r.last_at),
    }));
  }

  /** Latencies of the newest `limit` calls since `since`. */
  async latencies(modelId: string, since: Date, limit: number): Promise<number[]> {
    const rows = await this.query<{ latency_ms: unknown }>(
      `SELECT latency_ms FROM predictions WHERE model_id = :modelId AND created_at >= :since
        ORDER BY created_at DESC LIMIT :limit`,
      { modelId, since, limit },
    );
    return rows.map((r) => Number(r.latency_ms));
  }

  /** Sampled, successful records expanded to rows (inputs and outputs), at most `limit` rows. */
  async samples(q: SampleQuery): Promise<SampledRecords> {
    const direction = q.order === 'oldest' ? 'ASC' : 'DESC';
    const after = q.after ? ' AND (created_at > :afterAt OR (created_at = :afterAt AND id > :afterId))' : '';
    const records = await this.query<Record<string, unknown>>(
      `SELECT id, batch_size, inputs, outputs, created_at FROM predictions
        WHERE model_id = :modelId AND created_at >= :since AND inputs IS NOT NULL AND error_code IS NULL${after}
        ORDER BY created_at ${direction}, id ${direction} LIMIT :limit`,
      { modelId: q.modelId, since: q.since, afterAt: q.after?.at, afterId: q.after?.id, limit: q.limit },
    );
    const out: SampledRecords = { inputs: [], outputs: [], last: null };
    for (const r of records) {
      if (out.inputs.length >= q.limit) break;
      const batch = Number(r.batch_size);
      const inputs = recordRows(parseJson(r.inputs), batch);
      const outputs = recordRows(parseJson(r.outputs), batch);
      out.inputs.push(...inputs);
      out.outputs.push(...outputs);
      out.last = { at: toDate(r.created_at), id: String(r.id) };
    }
    out.inputs.splice(q.limit);
    out.outputs.splice(q.limit);
    return out;
  }

  private async query<T>(sql: string, params: Record<string, unknown>): Promise<T[]> {
    const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
    const [text, values] = this.dataSource.driver.escapeQueryWithParameters(sql, defined, {});
    return this.dataSource.query<T[]>(text, values);
  }
}

/** SQLite hands timestamps back as `YYYY-MM-DD HH:MM:SS.SSS` (UTC), PostgreSQL as Dates. */
function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

/** jsonb arrives parsed; SQLite's text column as a string. */
function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}
