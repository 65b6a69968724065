import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { PriceCatalogue } from '../providers/price-catalogue';
import { TrainingOutcomeEntity } from './training-outcome.entity';

/** Fewer successful similar outcomes than this: predict the requested max runtime instead. */
const MIN_SAMPLES = 3;
const MAX_SAMPLES = 100;

export interface PredictionInput {
  service: string;
  model: string;
  provider: string;
  instance_type: string | null;
  region: string | null;
  spot: boolean;
  max_runtime_seconds: number;
}

export interface DurationPrediction {
  duration_p50_seconds: number;
  duration_p90_seconds: number;
  basis: 'history' | 'max_runtime';
  samples: number;
}

export interface Prediction extends DurationPrediction {
  price_per_hour_micros: number;
  currency: string;
  price_known: boolean;
  price_stale: boolean;
  cost_p50_micros: number;
  cost_p90_micros: number;
}

/** Cost of `seconds` of capacity at an hourly price, in integer micros. */
export const costOf = (perHourMicros: number, seconds: number): number =>
  Math.round((perHourMicros * Math.max(0, seconds)) / 3600);

/** Nearest-rank percentile of a sorted list. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of an empty list');
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

/**
 * Predicts a job's duration from past successful outcomes of similar jobs (same service, model and
 * instance type), p50 and p90, and its cost from the price catalogue. Without enough history the
 * requested max runtime is the prediction (an upper bound, said so by `basis`).
 */
@Injectable()
export class CostPredictor {
  constructor(
    @InjectRepository(TrainingOutcomeEntity) private readonly outcomes: Repository<TrainingOutcomeEntity>,
    private readonly catalogue: PriceCatalogue,
  ) {}

  async predict(input: PredictionInput): Promise<Prediction> {
    const duration = await this.predictDuration(input);
    const price = await this.catalogue.hourly(input.provider, input.instance_type, input.region, input.spot);
    return {
      ...duration,
      price_per_hour_micros: price.per_hour_micros,
      currency: price.currency,
      price_known: price.known,
      price_stale: price.stale,
      cost_p50_micros: costOf(price.per_hour_micros, duration.duration_p50_seconds),
      cost_p90_micros: costOf(price.per_hour_micros, duration.duration_p90_seconds),
    };
  }

  /** p50/p90 run time of similar past jobs, or the max runtime when there are too few of them. */
  async predictDuration(
    input: Pick<PredictionInput, 'service' | 'model' | 'instance_type' | 'max_runtime_seconds'>,
  ): Promise<DurationPrediction> {
    const durations = await this.similarDurations(input);
    const fromHistory = durations.length >= MIN_SAMPLES;
    return {
      duration_p50_seconds: fromHistory ? percentile(durations, 50) : input.max_runtime_seconds,
      duration_p90_seconds: fromHistory ? percentile(durations, 90) : input.max_runtime_seconds,
      basis: fromHistory ? 'history' : 'max_runtime',
      samples: durations.length,
    };
  }

  private async similarDurations(
    input: Pick<PredictionInput, 'service' | 'model' | 'instance_type'>,
  ): Promise<number[]> {
    const rows = await this.outcomes.find({
      select: { duration_seconds: true },
      where: {
        service: input.service,
        model: input.model,
        instance_type: input.instance_type ?? 'unknown',
        success: true,
      },
      order: { created_at: 'DESC' },
      take: MAX_SAMPLES,
    });
    return rows.map((r) => r.duration_seconds).sort((a, b) => a - b);
  }
}
