import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { invalid } from '../common/errors/domain-error';
import { IdempotencyKeys } from '../common/http/idempotency-keys';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';
import { EventOutbox } from '../events/event-outbox';
import { TransactionRunner } from '../database/transaction-runner';
import { PriceCatalogue } from '../providers/price-catalogue';
import { ProviderClock } from '../providers/provider-clock';
import { ProviderRegistry } from '../providers/provider-registry';
import { parseMockSettings } from '../providers/mock/mock-settings';
import { CostPredictor, type Prediction } from './cost-predictor';
import { DispatchAdmissions } from './dispatch-admission.port';
import { placeGpu } from './gpu-placement';
import { NO_GPU, type GpuRequest } from './gpu-request';
import { eventData } from './job-writer';
import { validateJobConfig } from './launch-spec';
import { TrainingAttemptEntity } from './training-attempt.entity';
import { TrainingJobEntity } from './training-job.entity';
import { TRAINING_POLLER_TASK } from './training-poller';
import type { DispatchRequestDto } from './training.dto';

const IDEMPOTENCY_SCOPE = 'training.dispatch';

export interface DispatchResult {
  job: TrainingJobEntity;
  prediction: Prediction;
}

/**
 * Dispatch: validates, predicts duration and cost, and records the job (`pending`) with its first
 * attempt, the admissions' verdict and its event in one transaction. No provider is called in the
 * request: the poller launches the attempt (woken right after commit), so a slow cloud never blocks it.
 */
@Injectable()
export class TrainingDispatcher {
  private readonly logger = new Logger('TrainingDispatcher');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly providers: ProviderRegistry,
    private readonly catalogue: PriceCatalogue,
    private readonly predictor: CostPredictor,
    private readonly admissions: DispatchAdmissions,
    private readonly tx: TransactionRunner,
    private readonly outbox: EventOutbox,
    private readonly idempotency: IdempotencyKeys,
    private readonly tasks: PeriodicTasks,
    private readonly clock: ProviderClock,
  ) {}

  /** Returns the job's id (an earlier one when the Idempotency-Key was seen with the same body). */
  async dispatch(
    request: DispatchRequestDto,
    actor: string,
    idempotencyKey?: string,
  ): Promise<{ jobId: string; prediction?: Prediction }> {
    const key = IdempotencyKeys.validate(idempotencyKey);
    const hash = IdempotencyKeys.hash(request);
    if (key) {
      const existing = await this.idempotency.lookup(IDEMPOTENCY_SCOPE, key, hash);
      if (existing) return { jobId: existing };
    }
    const provider = this.providers.get(request.provider);
    const config = request.config ?? {};
    validateJobConfig(config);
    if (provider.name === 'mock') parseMockSettings(config);
    const spot = request.is_spot ?? this.config.spot.prefer_spot;
    if (spot && !provider.capabilities().spot) {
      throw invalid('SPOT_UNSUPPORTED', `Provider '${provider.name}' offers no spot capacity.`, {
        provider: provider.name,
      });
    }
    if ((await this.catalogue.list(provider.name)).length === 0) await this.catalogue.refresh(provider.name);
    const gpu: GpuRequest = request.gpu
      ? { type: request.gpu.type ?? null, count: request.gpu.count }
      : NO_GPU;
    const placement = await placeGpu(this.catalogue, provider, {
      instance_type: request.instance_type ?? null,
      region: request.region ?? null,
      spot,
      gpu,
    });
    const maxRuntimeSeconds = Math.round((request.max_runtime_hours ?? 24) * 3600);
    const prediction = await this.predictor.predict({
      service: request.service,
      model: request.model,
      provider: provider.name,
      ...placement,
      spot,
      max_runtime_seconds: maxRuntimeSeconds,
    });
    const job = this.newJob(request, actor, { spot, gpu, ...placement }, maxRuntimeSeconds, prediction);
    await this.tx.run(async (manager) => {
      await manager.insert(TrainingJobEntity, job as QueryDeepPartialEntity<TrainingJobEntity>);
      await manager.insert(
        TrainingAttemptEntity,
        this.firstAttempt(job, prediction) as QueryDeepPartialEntity<TrainingAttemptEntity>,
      );
      await this.admissions.admit(manager, {
        job_id: job.id,
        service: job.service,
        model: job.model,
        provider: job.provider,
        instance_type: job.instance_type,
        region: job.region,
        spot,
        predicted_cost_p90_micros: prediction.cost_p90_micros,
        currency: prediction.currency,
        allowed_attempts: spot
          ? 1 + this.config.spot.max_preemption_retries + (job.fallback_to_on_demand ? 1 : 0)
          : 1,
        project: job.project,
        user: actor,
      });
      if (key) await this.idempotency.record(manager, IDEMPOTENCY_SCOPE, key, hash, job.id);
      await this.outbox.append(manager, {
        topic: 'training',
        type: 'job.status_changed',
        subject: job.id,
        data: eventData(job, 'pending'),
      });
    });
    // Launch now rather than at the next interval; a failed wake-up only delays the job.
    setImmediate(
      () => void this.tasks.runNow(TRAINING_POLLER_TASK).catch((e: Error) => this.logger.warn(e.message)),
    );
    return { jobId: job.id, prediction };
  }

  private newJob(
    request: DispatchRequestDto,
    actor: string,
    placement: { spot: boolean; gpu: GpuRequest; instance_type: string | null; region: string | null },
    maxRuntimeSeconds: number,
    prediction: Prediction,
  ): TrainingJobEntity {
    const now = this.clock.now();
    return Object.assign(new TrainingJobEntity(), {
      id: randomUUID(),
      service: request.service,
      model: request.model,
      provider: request.provider,
      config: request.config ?? {},
      status: 'pending' as const,
      metrics: null,
      error: null,
      provider_job_id: null,
      instance_type: placement.instance_type,
      region: placement.region,
      is_spot: placement.spot,
      requested_spot: placement.spot,
      gpu_type: placement.gpu.type,
      gpu_count: placement.gpu.count,
      fallback_to_on_demand: request.fallback_to_on_demand ?? this.config.spot.fallback_to_on_demand,
      max_runtime_seconds: maxRuntimeSeconds,
      workload_spec: request.workload_spec ?? null,
      project: request.project ?? null,
      created_by: actor,
      attempt: 1,
      preemption_count: 0,
      failure_count: 0,
      progress: null,
      currency: prediction.currency,
      cost_micros: 0,
      cost_per_hour_micros: prediction.price_known ? prediction.price_per_hour_micros : null,
      predicted_duration_p50_seconds: prediction.duration_p50_seconds,
      predicted_duration_p90_seconds: prediction.duration_p90_seconds,
      predicted_cost_p50_micros: prediction.cost_p50_micros,
      predicted_cost_p90_micros: prediction.cost_p90_micros,
      prediction_basis: prediction.basis,
      artifacts_uri: null,
      checkpoint_uri: null,
      model_version_id: null,
      registration_error: null,
      needs_teardown: false,
      created_at: now,
      started_at: null,
      completed_at: null,
      updated_at: now,
      next_poll_at: now,
      lease_owner: null,
      lease_expires_at: null,
      lease_token: 0,
    });
  }

  private firstAttempt(job: TrainingJobEntity, prediction: Prediction): Partial<TrainingAttemptEntity> {
    return {
      job_id: job.id,
      attempt: 1,
      provider: job.provider,
      region: job.region,
      instance_type: job.instance_type,
      spot: job.is_spot,
      status: 'launching',
      handle: null,
      price_per_hour_micros: prediction.price_per_hour_micros,
      currency: prediction.currency,
      cost_micros: 0,
      created_at: job.created_at,
    };
  }
}
