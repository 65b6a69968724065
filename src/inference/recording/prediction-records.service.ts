import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository, SelectQueryBuilder } from 'typeorm';
import { PredictionRecordEntity } from './prediction-record.entity';
import { PredictionRecorder } from './prediction-recorder';

export interface PredictionFilter {
  service?: string;
  model_id?: string;
  ensemble_id?: string;
  ab_test_id?: string;
  variant?: string;
  since?: Date;
  until?: Date;
}

export interface PredictionStats {
  model_id: string | null;
  ensemble_id: string | null;
  variant: string | null;
  /** Rows predicted (a batch counts its rows). */
  predictions: number;
  /** Model calls (records). */
  calls: number;
  /** Rows of failed calls. */
  errors: number;
  mean_latency_ms: number | null;
  max_latency_ms: number | null;
}

/**
 * Read side of the prediction records, for monitoring and A/B statistics. Call `flush()` first when the
 * caller needs predictions answered a moment ago (records are written in batches).
 */
@Injectable()
export class PredictionRecords {
  constructor(
    @InjectRepository(PredictionRecordEntity) private readonly repo: Repository<PredictionRecordEntity>,
    private readonly recorder: PredictionRecorder,
  ) {}

  flush(): Promise<void> {
    return this.recorder.flush();
  }

  /** Newest first. */
  async list(filter: PredictionFilter, limit = 100): Promise<PredictionRecordEntity[]> {
    return this.filtered(filter)
      .orderBy('p.created_at', 'DESC')
      .addOrderBy('p.id', 'DESC')
      .limit(limit)
      .getMany();
  }

  /** Counts, errors and latency grouped by model version, ensemble and variant. */
  async stats(filter: PredictionFilter): Promise<PredictionStats[]> {
    const rows = await this.filtered(filter)
      .select('p.model_id', 'model_id')
      .addSelect('p.ensemble_id', 'ensemble_id')
      .addSelect('p.variant', 'variant')
      .addSelect('SUM(p.batch_size)', 'predictions')
      .addSelect('COUNT(*)', 'calls')
      .addSelect('SUM(CASE WHEN p.error_code IS NULL THEN 0 ELSE p.batch_size END)', 'errors')
      .addSelect('AVG(p.latency_ms)', 'mean_latency_ms')
      .addSelect('MAX(p.latency_ms)', 'max_latency_ms')
      .groupBy('p.model_id')
      .addGroupBy('p.ensemble_id')
      .addGroupBy('p.variant')
      .getRawMany<Record<string, unknown>>();
    return rows.map((r) => ({
      model_id: (r.model_id as string | null) ?? null,
      ensemble_id: (r.ensemble_id as string | null) ?? null,
      variant: (r.variant as string | null) ?? null,
      predictions: Number(r.predictions),
      calls: Number(r.calls),
      errors: Number(r.errors),
      mean_latency_ms: r.mean_latency_ms === null ? null : Number(r.mean_latency_ms),
      max_latency_ms: r.max_latency_ms === null ? null : Number(r.max_latency_ms),
    }));
  }

  private filtered(filter: PredictionFilter): SelectQueryBuilder<PredictionRecordEntity> {
    const q = this.repo.createQueryBuilder('p');
    for (const key of ['service', 'model_id', 'ensemble_id', 'ab_test_id', 'variant'] as const) {
      const value = filter[key];
      if (value !== undefined) q.andWhere(`p.${key} = :${key}`, { [key]: value });
    }
    if (filter.since) q.andWhere('p.created_at >= :since', { since: filter.since });
    if (filter.until) q.andWhere('p.created_at < :until', { until: filter.until });
    return q;
  }
}
