import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { invalid, notFound } from '../common/errors/domain-error';
import { IdempotencyKeys } from '../common/http/idempotency-keys';
import { TransactionRunner } from '../database/transaction-runner';
import { DurableConsumers } from '../events/durable-consumers';
import { EventOutbox } from '../events/event-outbox';
import type { DomainEvent } from '../events/event-topics';
import { MODEL_REGISTRY, type ModelRegistry } from '../registry/model-registry.port';
import { TrainingDispatcher } from '../training/training-dispatcher';
import { TrainingService } from '../training/training.service';
import { EnsembleCatalog } from './ensemble-catalog.service';
import { aggregateMembers, type EnsembleJobAggregate } from './ensemble-job-status';
import { EnsembleJobEntity } from './ensemble.entities';
import type { DispatchTrainingRequestDto, EnsembleJobView } from './ensembles.dto';

const IDEMPOTENCY_SCOPE = 'ensembles.train';
const CONSUMER = 'ensembles.training';
const OPEN_STATUSES = ['pending', 'running'];

/**
 * `train`: one real training job per member of the ensemble's current version, dispatched through the
 * training module (so budget admission applies to each), recorded as an `ensemble_jobs` row whose status
 * is computed from the member jobs. The aggregate is refreshed when a member's status changes (a durable
 * consumer of `training` events) and when the job is read; each change is an `ensemble` event.
 */
@Injectable()
export class EnsembleTraining implements OnModuleInit {
  private readonly logger = new Logger('EnsembleTraining');

  constructor(
    @InjectRepository(EnsembleJobEntity) private readonly jobs: Repository<EnsembleJobEntity>,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    private readonly catalog: EnsembleCatalog,
    private readonly dispatcher: TrainingDispatcher,
    private readonly training: TrainingService,
    private readonly idempotency: IdempotencyKeys,
    private readonly consumers: DurableConsumers,
    private readonly tx: TransactionRunner,
    private readonly outbox: EventOutbox,
  ) {}

  onModuleInit(): void {
    this.consumers.register(CONSUMER, { topics: ['training'], startAt: 'end' }, (events) =>
      this.onTrainingEvents(events),
    );
  }

  async train(
    ensembleId: string,
    body: DispatchTrainingRequestDto,
    actor: string,
    idempotencyKey?: string,
  ): Promise<EnsembleJobView> {
    const key = IdempotencyKeys.validate(idempotencyKey);
    const hash = IdempotencyKeys.hash({ ensembleId, body });
    if (key) {
      const existing = await this.idempotency.lookup(IDEMPOTENCY_SCOPE, key, hash);
      if (existing) return this.status(ensembleId, existing);
    }
    const { ensemble, version } = await this.catalog.get(ensembleId);
    checkMemberConfig(body, version.model_ids);
    const jobIds = await this.dispatchMembers(ensemble.service, version.model_ids, body, actor, key);
    const job = Object.assign(new EnsembleJobEntity(), {
      id: randomUUID(),
      ensemble_id: ensembleId,
      ensemble_version: version.version,
      provider: body.provider,
      config: body.config ?? {},
      training_job_ids: jobIds,
      status: 'pending',
      total_models: jobIds.length,
      completed_models: 0,
      failed_models: 0,
      created_by: actor,
      created_at: new Date(),
      completed_at: null,
    });
    await this.tx.run(async (m) => {
      await m.insert(EnsembleJobEntity, job as QueryDeepPartialEntity<EnsembleJobEntity>);
      if (key) await this.idempotency.record(m, IDEMPOTENCY_SCOPE, key, hash, job.id);
      await this.outbox.append(m, {
        topic: 'ensemble',
        type: 'ensemble.training_dispatched',
        subject: ensembleId,
        data: { ...eventData(job), model_ids: version.model_ids, actor },
      });
    });
    this.logger.log(
      `ensemble ${ensembleId} v${version.version}: training job ${job.id} (${jobIds.length} members)`,
    );
    return this.refresh(job, version.model_ids);
  }

  /** The job with its status computed from the member jobs now (404 for another ensemble's job). */
  async status(ensembleId: string, jobId: string): Promise<EnsembleJobView> {
    await this.catalog.get(ensembleId);
    const job = await this.jobs.findOneBy({ id: jobId, ensemble_id: ensembleId });
    if (!job) {
      throw notFound('ENSEMBLE_JOB_NOT_FOUND', `ensemble ${ensembleId} has no training job ${jobId}`, {
        ensemble_id: ensembleId,
        job_id: jobId,
      });
    }
    const version = await this.catalog.versionOf(ensembleId, job.ensemble_version);
    return this.refresh(job, version.model_ids);
  }

  /**
   * Dispatches the members one by one; if one is refused (unknown provider, budget …), the jobs already
   * dispatched are cancelled and the refusal is answered, so a train request starts all members or none.
   */
  private async dispatchMembers(
    service: string,
    modelIds: string[],
    body: DispatchTrainingRequestDto,
    actor: string,
    key: string | undefined,
  ): Promise<string[]> {
    const jobIds: string[] = [];
    try {
      for (const [i, modelId] of modelIds.entries()) {
        const member = await this.registry.resolve(modelId);
        const config = { ...(body.config ?? {}), ...(body.member_config?.[modelId] ?? {}) };
        const request = { service, model: member.name, provider: body.provider, config };
        const memberKey = key ? memberIdempotencyKey(key, i) : undefined;
        jobIds.push((await this.dispatcher.dispatch(request, actor, memberKey)).jobId);
      }
    } catch (error) {
      await this.cancelAll(jobIds, actor);
      throw error;
    }
    return jobIds;
  }

  private async cancelAll(jobIds: string[], actor: string): Promise<void> {
    for (const id of jobIds) {
      await this.training
        .cancel(id, 'another member of the ensemble could not be dispatched', actor)
        .catch((e: Error) => this.logger.warn(`could not cancel member job ${id}: ${e.message}`));
    }
  }

  private async refresh(job: EnsembleJobEntity, modelIds: string[]): Promise<EnsembleJobView> {
    const members = await Promise.all(job.training_job_ids.map((id) => this.training.get(id)));
    const aggregate = aggregateMembers(members);
    if (
      aggregate.status !== job.status ||
      aggregate.completed_models !== job.completed_models ||
      aggregate.failed_models !== job.failed_models
    ) {
      await this.record(job, aggregate);
    }
    return toJobView(job, aggregate, modelIds);
  }

  /** Stores a changed aggregate, once: the write is guarded by the values read, so racing readers agree. */
  private async record(job: EnsembleJobEntity, aggregate: EnsembleJobAggregate): Promise<void> {
    await this.tx.run(async (m) => {
      const result = await m.update(
        EnsembleJobEntity,
        {
          id: job.id,
          status: job.status,
          completed_models: job.completed_models,
          failed_models: job.failed_models,
        },
        {
          status: aggregate.status,
          completed_models: aggregate.completed_models,
          failed_models: aggregate.failed_models,
          completed_at: aggregate.completed_at,
        },
      );
      if (!result.affected || aggregate.status === job.status) return;
      await this.outbox.append(m, {
        topic: 'ensemble',
        type: 'ensemble.training_status_changed',
        subject: job.ensemble_id,
        data: { ...eventData({ ...job, ...aggregate }), previous_status: job.status },
      });
    });
  }

  private async onTrainingEvents(events: DomainEvent[]): Promise<void> {
    const changed = new Set(
      events.filter((e) => e.type === 'job.status_changed' && e.subject).map((e) => e.subject!),
    );
    if (changed.size === 0) return;
    const open = await this.jobs.findBy({ status: In(OPEN_STATUSES) });
    for (const job of open) {
      if (!job.training_job_ids.some((id) => changed.has(id))) continue;
      const version = await this.catalog.versionOf(job.ensemble_id, job.ensemble_version);
      await this.refresh(job, version.model_ids);
    }
  }
}

function checkMemberConfig(body: DispatchTrainingRequestDto, modelIds: string[]): void {
  const unknown = Object.keys(body.member_config ?? {}).filter((id) => !modelIds.includes(id));
  for (const id of Object.keys(body.member_config ?? {})) {
    const value = body.member_config![id];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalid('INVALID_MEMBER_CONFIG', `member_config.${id} must be an object`, { model_id: id });
    }
  }
  if (unknown.length > 0) {
    throw invalid(
      'UNKNOWN_MEMBER',
      `member_config names models that are not members: ${unknown.join(', ')}`,
      {
        unknown,
        model_ids: modelIds,
      },
    );
  }
}

/** A member's own key, derived from the request's, so a retried train finds each member job again. */
function memberIdempotencyKey(key: string, index: number): string {
  return `ensemble-member:${createHash('sha256').update(key).digest('hex').slice(0, 40)}:${index}`;
}

function eventData(job: Omit<EnsembleJobEntity, 'completed_at'> & { completed_at: Date | null }) {
  return {
    ensemble_job_id: job.id,
    ensemble_id: job.ensemble_id,
    ensemble_version: job.ensemble_version,
    provider: job.provider,
    status: job.status,
    training_job_ids: job.training_job_ids,
    total_models: job.total_models,
    completed_models: job.completed_models,
    failed_models: job.failed_models,
  };
}

function toJobView(job: EnsembleJobEntity, a: EnsembleJobAggregate, modelIds: string[]): EnsembleJobView {
  return {
    id: job.id,
    job_id: job.id,
    ensemble_id: job.ensemble_id,
    ensemble_version: job.ensemble_version,
    provider: job.provider,
    status: a.status,
    training_job_ids: job.training_job_ids,
    model_ids: modelIds,
    total_models: job.total_models,
    completed_models: a.completed_models,
    failed_models: a.failed_models,
    total_cost_eur: a.total_cost_eur,
    created_at: job.created_at.toISOString(),
    completed_at: a.completed_at ? a.completed_at.toISOString() : null,
  };
}
