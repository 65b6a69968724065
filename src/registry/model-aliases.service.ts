import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { conflict, invalid, notFound } from '../common/errors/domain-error';
import { TransactionRunner } from '../database/transaction-runner';
import { EventOutbox } from '../events/event-outbox';
import { ModelAliasEntity } from './model-alias.entity';
import { ModelCatalog } from './model-catalog.service';
import { ALIAS_PATTERN, modelIdOf } from './model-ref';
import { PromotionLedger } from './promotion-ledger.service';
import { LIFECYCLE_EVENTS, lifecycleEvent } from './registry.events';

/** Named pointers per model name (`champion`, `challenger` …), every move recorded in the ledger. */
@Injectable()
export class ModelAliases {
  constructor(
    @InjectRepository(ModelAliasEntity) private readonly aliases: Repository<ModelAliasEntity>,
    private readonly catalog: ModelCatalog,
    private readonly ledger: PromotionLedger,
    private readonly outbox: EventOutbox,
    private readonly tx: TransactionRunner,
  ) {}

  async list(name: string): Promise<ModelAliasEntity[]> {
    await this.catalog.assertNameExists(name);
    return this.aliases.find({ where: { name }, order: { alias: 'ASC' } });
  }

  /** Joins `outer` when given. */
  async set(
    name: string,
    alias: string,
    version: string,
    reason: string,
    actor: string,
    outer?: EntityManager,
  ): Promise<ModelAliasEntity> {
    if (!ALIAS_PATTERN.test(alias)) {
      throw invalid('INVALID_ALIAS', `Alias '${alias}' must match ${ALIAS_PATTERN.source}.`);
    }
    return this.tx.run(async (manager) => {
      const target = await this.catalog.get(modelIdOf(name, version), manager);
      if (target.stage === 'archived') {
        throw conflict(
          'MODEL_ARCHIVED',
          `Alias '${name}@${alias}' cannot point at '${target.id}': it is archived (restore it first).`,
          { model_id: target.id, stage: target.stage },
        );
      }
      const previous = await manager.findOneBy(ModelAliasEntity, { name, alias });
      const at = new Date();
      const row = manager.create(ModelAliasEntity, {
        name,
        alias,
        model_id: target.id,
        version: target.version,
        updated_by: actor,
        updated_at: at,
      });
      await manager.save(ModelAliasEntity, row);
      await this.ledger.append(manager, {
        model_id: target.id,
        name,
        version: target.version,
        action: 'alias_set',
        alias,
        previous_model_id: previous?.model_id ?? null,
        actor,
        reason,
        at,
      });
      await this.outbox.append(
        manager,
        lifecycleEvent(LIFECYCLE_EVENTS.aliasSet, target, {
          alias,
          previous_model_id: previous?.model_id ?? null,
          actor,
          reason,
        }),
      );
      return row;
    }, outer);
  }

  async delete(name: string, alias: string, reason: string, actor: string): Promise<void> {
    await this.tx.run(async (manager) => {
      const existing = await manager.findOneBy(ModelAliasEntity, { name, alias });
      if (!existing) throw notFound('ALIAS_NOT_FOUND', `Alias '${name}@${alias}' not found`, { name, alias });
      await manager.delete(ModelAliasEntity, { name, alias });
      const at = new Date();
      await this.ledger.append(manager, {
        model_id: existing.model_id,
        name,
        version: existing.version,
        action: 'alias_deleted',
        alias,
        previous_model_id: existing.model_id,
        actor,
        reason,
        at,
      });
      await this.outbox.append(
        manager,
        lifecycleEvent(
          LIFECYCLE_EVENTS.aliasDeleted,
          { id: existing.model_id, name, version: existing.version },
          {
            alias,
            actor,
            reason,
          },
        ),
      );
    });
  }
}
