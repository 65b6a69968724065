import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config.schema';
import { DurableConsumers } from '../../events/durable-consumers';
import type { DomainEvent } from '../../events/event-topics';
import { HealthIndicators, type ComponentHealth } from '../../health/health-indicators';
import type { ModelStage } from '../model-registry.port';
import { ModelListCache } from '../model-list-cache';
import { ModelVersionEntity } from '../model-version.entity';
import { LIFECYCLE_EVENTS } from '../registry.events';
import { MlflowClient, MlflowError, type MlflowStage } from './mlflow.client';

export const MLFLOW_CONSUMER = 'registry.mlflow-sync';

const STAGE: Record<ModelStage, MlflowStage> = {
  registered: 'None',
  staging: 'Staging',
  production: 'Production',
  archived: 'Archived',
};

/** Thrown while backing off: keeps the consumer's cursor where it is without calling MLflow. */
class BackingOff extends Error {}

/**
 * Mirrors registrations, stage changes and alias moves to MLflow, from the outbox (topic `lifecycle`), in
 * event order. A failed call stops the pass (the cursor stays) and is retried with exponential backoff;
 * each version remembers the last event mirrored, so a retried batch never repeats a call that succeeded.
 */
@Injectable()
export class MlflowSync implements OnModuleInit {
  private readonly logger = new Logger('MlflowSync');
  private failures = 0;
  private nextAttemptAt = 0;
  private lastError: string | null = null;
  private lastSuccessAt: string | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(ModelVersionEntity) private readonly models: Repository<ModelVersionEntity>,
    private readonly client: MlflowClient,
    private readonly consumers: DurableConsumers,
    private readonly health: HealthIndicators,
    private readonly listCache: ModelListCache,
  ) {}

  onModuleInit(): void {
    this.health.register('mlflow', () => this.status());
    if (!this.client.enabled) return;
    this.consumers.register(
      MLFLOW_CONSUMER,
      { topics: ['lifecycle'], startAt: 'beginning', intervalMs: 1000 },
      (events) => this.handle(events),
    );
  }

  status(): ComponentHealth {
    if (!this.client.enabled) return { status: 'disabled' };
    return {
      status: this.failures === 0 ? 'up' : 'degraded',
      tracking_uri: this.config.mlflow_tracking_uri,
      consecutive_failures: this.failures,
      last_error: this.lastError,
      last_success_at: this.lastSuccessAt,
      next_attempt_at: this.failures ? new Date(this.nextAttemptAt).toISOString() : null,
    };
  }

  async handle(events: DomainEvent[]): Promise<void> {
    if (Date.now() < this.nextAttemptAt)
      throw new BackingOff(`MLflow sync backing off: ${this.lastError ?? ''}`);
    const lastOfModel = new Map<string, number>();
    for (const e of events) if (e.subject) lastOfModel.set(e.subject, e.id);
    for (const event of events) {
      const model = event.subject ? await this.models.findOneBy({ id: event.subject }) : null;
      if (!model || event.id <= Number(model.mlflow_synced_event_id)) continue;
      try {
        await this.mirror(event, model);
      } catch (error) {
        if (error instanceof MlflowError && !error.retryable) {
          this.logger.warn(
            `event ${event.id} (${event.type} ${model.id}) rejected by MLflow: ${error.message}`,
          );
          await this.record(model.id, event.id, 'failed', error.message);
          continue;
        }
        await this.failed(model.id, error as Error);
        throw error;
      }
      const done = lastOfModel.get(model.id) === event.id;
      await this.record(model.id, event.id, done ? 'synced' : 'pending', null);
    }
    this.failures = 0;
    this.nextAttemptAt = 0;
    this.lastError = null;
    this.lastSuccessAt = new Date().toISOString();
  }

  private async mirror(event: DomainEvent, model: ModelVersionEntity): Promise<void> {
    const data = event.data as { to_stage?: ModelStage; alias?: string };
    switch (event.type) {
      case LIFECYCLE_EVENTS.registered:
        await this.ensureVersion(model);
        return;
      case LIFECYCLE_EVENTS.stageChanged:
        if (data.to_stage)
          await this.client.transitionStage(
            model.name,
            await this.ensureVersion(model),
            STAGE[data.to_stage],
          );
        return;
      case LIFECYCLE_EVENTS.aliasSet:
        if (data.alias) await this.client.setAlias(model.name, data.alias, await this.ensureVersion(model));
        return;
      case LIFECYCLE_EVENTS.aliasDeleted:
        if (data.alias) await this.client.deleteAlias(model.name, data.alias);
        return;
      default:
        return; // metadata edits and artifact uploads are not mirrored
    }
  }

  /** MLflow numbers versions itself: the number it gave is kept in `mlflow_model_uri`. */
  private async ensureVersion(model: ModelVersionEntity): Promise<string> {
    const known = /^models:\/[^/]+\/(\d+)$/.exec(model.mlflow_model_uri ?? '')?.[1];
    if (known) return known;
    await this.client.ensureRegisteredModel(model.name);
    const version = await this.client.createModelVersion({
      name: model.name,
      source: `artenic://models/${model.id}`,
      run_id: model.mlflow_run_id,
      description: model.description,
      tags: { ...model.tags, artenic_model_id: model.id, artenic_version: model.version },
    });
    model.mlflow_model_uri = `models:/${model.name}/${version}`;
    await this.models.update({ id: model.id }, { mlflow_model_uri: model.mlflow_model_uri });
    this.listCache.invalidate();
    return version;
  }

  private async record(
    id: string,
    eventId: number,
    state: 'synced' | 'pending' | 'failed',
    error: string | null,
  ) {
    await this.models.update(
      { id },
      { mlflow_synced_event_id: eventId, mlflow_sync: state, mlflow_sync_error: error },
    );
    this.listCache.invalidate();
  }

  private async failed(id: string, error: Error): Promise<void> {
    this.failures += 1;
    const base = Math.min(this.config.mlflow.max_backoff_ms, 250 * 2 ** Math.min(this.failures - 1, 16));
    this.nextAttemptAt = Date.now() + base / 2 + Math.random() * (base / 2);
    this.lastError = error.message;
    await this.models.update({ id }, { mlflow_sync: 'failed', mlflow_sync_error: error.message });
    this.listCache.invalidate();
  }
}
