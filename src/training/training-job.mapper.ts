import type { ExchangeRates } from '../providers/exchange-rates';
import { costOf } from './cost-predictor';
import type { TrainingAttemptEntity } from './training-attempt.entity';
import type { AttemptDto, TrainingJobDto } from './training.dto';
import type { TrainingJobEntity } from './training-job.entity';

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Cost of a live attempt up to `now` (0 once ended: its cost is already in the job's total). */
export function accruedMicros(attempt: TrainingAttemptEntity | undefined, now: Date): number {
  if (!attempt || attempt.ended_at !== null || attempt.started_at === null) return 0;
  return costOf(
    attempt.price_per_hour_micros,
    (now.getTime() - new Date(attempt.started_at).getTime()) / 1000,
  );
}

/** The reference's `*_eur` float fields: exact when the job is priced in EUR, converted when a rate exists. */
export function toEur(fx: ExchangeRates, micros: number | null, currency: string): number | null {
  if (micros === null) return null;
  try {
    return fx.convertMicros(micros, currency, 'EUR') / 1_000_000;
  } catch {
    return null;
  }
}

export function toAttemptDto(a: TrainingAttemptEntity, jobCurrency: string, now: Date): AttemptDto {
  return {
    attempt: a.attempt,
    provider: a.provider,
    region: a.region,
    instance_type: a.instance_type,
    spot: a.spot,
    status: a.status,
    provider_job_id: a.provider_job_id,
    resume_from: a.resume_from,
    checkpoint_uri: a.checkpoint_uri,
    price_per_hour_micros: a.price_per_hour_micros,
    cost_micros: a.ended_at === null ? accruedMicros(a, now) : a.cost_micros,
    currency: a.ended_at === null ? jobCurrency : a.currency,
    end_reason: a.end_reason,
    started_at: iso(a.started_at),
    ended_at: iso(a.ended_at),
  };
}

export function toJobDto(
  job: TrainingJobEntity,
  current: TrainingAttemptEntity | undefined,
  fx: ExchangeRates,
  now: Date,
  attempts?: TrainingAttemptEntity[],
): TrainingJobDto {
  const cost = job.cost_micros + accruedMicros(current, now);
  const started = job.started_at ? new Date(job.started_at).getTime() : null;
  const ended = job.completed_at ? new Date(job.completed_at).getTime() : null;
  return {
    id: job.id,
    job_id: job.id,
    service: job.service,
    model: job.model,
    provider: job.provider,
    config: job.config,
    status: job.status,
    metrics: job.metrics,
    error: job.error,
    provider_job_id: job.provider_job_id,
    instance_type: job.instance_type,
    region: job.region,
    is_spot: job.is_spot,
    gpu: { type: job.gpu_type, count: job.gpu_count },
    cost_estimate_eur: toEur(fx, job.predicted_cost_p90_micros, job.currency),
    cost_actual_eur: ended !== null ? toEur(fx, cost, job.currency) : null,
    cost_per_hour_eur: toEur(fx, job.cost_per_hour_micros, job.currency),
    duration_seconds: started !== null && ended !== null ? (ended - started) / 1000 : null,
    artifacts_uri: job.artifacts_uri,
    created_at: new Date(job.created_at).toISOString(),
    started_at: iso(job.started_at),
    completed_at: iso(job.completed_at),
    attempt: job.attempt,
    preemption_count: job.preemption_count,
    failure_count: job.failure_count,
    progress: job.progress,
    currency: job.currency,
    cost_micros: cost,
    cost_per_hour_micros: job.cost_per_hour_micros,
    predicted_duration_p50_seconds: job.predicted_duration_p50_seconds,
    predicted_duration_p90_seconds: job.predicted_duration_p90_seconds,
    predicted_cost_p50_micros: job.predicted_cost_p50_micros,
    predicted_cost_p90_micros: job.predicted_cost_p90_micros,
    max_runtime_hours: job.max_runtime_seconds / 3600,
    requested_spot: job.requested_spot,
    fallback_to_on_demand: job.fallback_to_on_demand,
    checkpoint_uri: job.checkpoint_uri,
    model_version_id: job.model_version_id,
    registration_error: job.registration_error,
    project: job.project,
    created_by: job.created_by,
    ...(attempts ? { attempts: attempts.map((a) => toAttemptDto(a, job.currency, now)) } : {}),
  };
}
