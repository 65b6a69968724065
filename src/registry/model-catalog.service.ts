import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, QueryFailedError, type EntityManager, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { conflict, invalid, notFound } from '../common/errors/domain-error';
import { TransactionRunner } from '../database/transaction-runner';
import { EventOutbox } from '../events/event-outbox';
import type { RegisterVersionInput, ServingSpec } from './model-registry.port';
import { ModelAliasEntity } from './model-alias.entity';
import { ModelTagEntity } from './model-tag.entity';
import { ModelVersionEntity, type MlflowSyncState } from './model-version.entity';
import { NAME_PATTERN, VERSION_PATTERN, modelIdOf, nextIntegerVersion, parseModelRef } from './model-ref';
import { PromotionLedger } from './promotion-ledger.service';
import { LIFECYCLE_EVENTS, lifecycleEvent } from './registry.events';
import { searchTextOf } from './search-dialect';

export interface MetadataPatch {
  description?: string;
  tags?: Record<string, string>;
}

/** Versions: registration, lookup by id or alias, metadata edits. */
@Injectable()
export class ModelCatalog {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(ModelVersionEntity) private readonly models: Repository<ModelVersionEntity>,
    @InjectRepository(ModelAliasEntity) private readonly aliases: Repository<ModelAliasEntity>,
    private readonly tx: TransactionRunner,
    private readonly outbox: EventOutbox,
    private readonly ledger: PromotionLedger,
  ) {}

  /** `pending` when MLflow mirroring is on: the sync consumer takes it from there. */
  get initialSyncState(): MlflowSyncState | null {
    return this.config.mlflow_tracking_uri ? 'pending' : null;
  }

  async register(
    input: RegisterVersionInput & { mlflow_run_id?: string },
    actor: string,
  ): Promise<ModelVersionEntity> {
    validateNames(input);
    validateServing(input.serving);
    try {
      return await this.tx.run(async (manager) => {
        const version = input.version ?? (await this.nextVersion(manager, input.name));
        const id = modelIdOf(input.name, version);
        if (await manager.exists(ModelVersionEntity, { where: { id } })) throw duplicate(id);
        const now = new Date();
        const model = manager.create(ModelVersionEntity, {
          id,
          name: input.name,
          version,
          service: input.service ?? input.name,
          model_type: input.model_type,
          framework: input.framework || 'custom',
          description: input.description ?? '',
          tags: input.tags ?? {},
          input_features: input.input_features ?? [],
          output_schema: input.output_schema ?? {},
          stage: 'registered',
          serving: input.serving ?? null,
          metrics: input.metrics ?? {},
          training_job_id: input.training_job_id ?? null,
          mlflow_run_id: input.mlflow_run_id ?? null,
          mlflow_model_uri: null,
          mlflow_sync: this.initialSyncState,
          mlflow_sync_error: null,
          mlflow_synced_event_id: 0,
          created_at: now,
          updated_at: null,
        });
        await manager.insert(ModelVersionEntity, {
          ...model,
          search_text: searchTextOf(model.name, model.description),
        } as QueryDeepPartialEntity<ModelVersionEntity>);
        await this.writeTags(manager, id, model.tags);
        await this.ledger.append(manager, {
          model_id: id,
          name: model.name,
          version,
          action: 'register',
          to_stage: 'registered',
          actor,
          at: now,
        });
        await this.outbox.append(
          manager,
          lifecycleEvent(LIFECYCLE_EVENTS.registered, model, {
            to_stage: 'registered',
            service: model.service,
            actor,
          }),
        );
        return model;
      });
    } catch (error) {
      // Two concurrent registrations of one (name, version): the unique index decides.
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(error.message)) {
        throw duplicate(modelIdOf(input.name, input.version ?? ''));
      }
      throw error;
    }
  }

  /** A version by `name_vX` or `name@alias`, optionally inside a transaction. */
  async get(ref: string, manager?: EntityManager): Promise<ModelVersionEntity> {
    const repo = manager ? manager.getRepository(ModelVersionEntity) : this.models;
    const parsed = parseModelRef(ref);
    let id = ref;
    if (parsed.kind === 'alias') {
      const alias = await (manager ? manager.getRepository(ModelAliasEntity) : this.aliases).findOneBy({
        name: parsed.name,
        alias: parsed.alias,
      });
      if (!alias) {
        throw notFound(
          'MODEL_NOT_FOUND',
          `Model '${ref}' not found: no alias '${parsed.alias}' on '${parsed.name}'`,
          {
            model_id: ref,
          },
        );
      }
      id = alias.model_id;
    }
    const model = await repo.findOneBy({ id });
    if (!model) throw notFound('MODEL_NOT_FOUND', `Model '${ref}' not found`, { model_id: ref });
    return model;
  }

  productionForService(service: string): Promise<ModelVersionEntity | null> {
    return this.models.findOne({ where: { service, stage: 'production' }, order: { created_at: 'DESC' } });
  }

  async assertNameExists(name: string): Promise<void> {
    if (!(await this.models.existsBy({ name })))
      throw notFound('MODEL_NOT_FOUND', `No model named '${name}'`, { name });
  }

  productionOf(name: string): Promise<ModelVersionEntity | null> {
    return this.models.findOneBy({ name, stage: 'production' });
  }

  async versionsOf(name: string): Promise<ModelVersionEntity[]> {
    return this.models.find({ where: { name }, order: { created_at: 'ASC' } });
  }

  /** Alias names per version id, in one query for a whole page. */
  async aliasesOf(ids: string[], manager?: EntityManager): Promise<Map<string, string[]>> {
    const byId = new Map<string, string[]>();
    if (ids.length === 0) return byId;
    const repo = manager ? manager.getRepository(ModelAliasEntity) : this.aliases;
    const rows = await repo.find({ where: { model_id: In(ids) }, order: { alias: 'ASC' } });
    for (const row of rows) byId.set(row.model_id, [...(byId.get(row.model_id) ?? []), row.alias]);
    return byId;
  }

  /** Versions are immutable except their description and tags. */
  async updateMetadata(ref: string, patch: MetadataPatch, actor: string): Promise<ModelVersionEntity> {
    if (patch.tags) validateTags(patch.tags);
    return this.tx.run(async (manager) => {
      const model = await this.get(ref, manager);
      if (patch.description !== undefined) model.description = patch.description;
      if (patch.tags !== undefined) {
        model.tags = patch.tags;
        await manager.delete(ModelTagEntity, { model_id: model.id });
        await this.writeTags(manager, model.id, patch.tags);
      }
      model.updated_at = new Date();
      await manager.update(
        ModelVersionEntity,
        { id: model.id },
        {
          description: model.description,
          search_text: searchTextOf(model.name, model.description),
          tags: model.tags,
          updated_at: model.updated_at,
        },
      );
      await this.outbox.append(
        manager,
        lifecycleEvent(LIFECYCLE_EVENTS.updated, model, { fields: Object.keys(patch), actor }),
      );
      return model;
    });
  }

  private async writeTags(
    manager: EntityManager,
    modelId: string,
    tags: Record<string, string>,
  ): Promise<void> {
    const rows = Object.entries(tags).map(([tag_key, tag_value]) => ({
      model_id: modelId,
      tag_key,
      tag_value,
    }));
    if (rows.length) await manager.insert(ModelTagEntity, rows);
  }

  private async nextVersion(manager: EntityManager, name: string): Promise<string> {
    const rows = await manager.find(ModelVersionEntity, { where: { name }, select: { version: true } });
    return nextIntegerVersion(rows.map((r) => r.version));
  }
}

const duplicate = (id: string) =>
  conflict('MODEL_ALREADY_EXISTS', `Model '${id}' is already registered; versions are immutable.`, {
    model_id: id,
  });

function validateNames(input: RegisterVersionInput): void {
  if (!NAME_PATTERN.test(input.name)) {
    throw invalid(
      'INVALID_MODEL_NAME',
      `Model name '${input.name}' must match ${NAME_PATTERN.source} (no '@' or '/').`,
    );
  }
  if (input.version !== undefined && !VERSION_PATTERN.test(input.version)) {
    throw invalid(
      'INVALID_MODEL_VERSION',
      `Version '${input.version}' must match ${VERSION_PATTERN.source}.`,
    );
  }
  if (input.service !== undefined && !NAME_PATTERN.test(input.service)) {
    throw invalid('INVALID_SERVICE', `Service '${input.service}' must match ${NAME_PATTERN.source}.`);
  }
  if (input.tags) validateTags(input.tags);
}

function validateTags(tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    if (key.length === 0 || key.length > 100 || typeof value !== 'string' || value.length > 255) {
      throw invalid(
        'INVALID_TAG',
        `Tag '${key}' must have a 1–100 character key and a string value up to 255.`,
      );
    }
  }
}

export function validateServing(serving: ServingSpec | undefined): void {
  if (!serving) return;
  if (serving.runtime !== 'onnx' && serving.runtime !== 'http') {
    throw invalid(
      'INVALID_SERVING',
      `serving.runtime must be 'onnx' or 'http', not '${String(serving.runtime)}'.`,
    );
  }
  if (serving.runtime === 'http') {
    if (!serving.url || !/^https?:\/\/[^\s]+$/.test(serving.url)) {
      throw invalid(
        'INVALID_SERVING',
        'serving.url (http:// or https://) is required when serving.runtime is http.',
      );
    }
  }
}
