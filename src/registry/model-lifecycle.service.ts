import { Injectable } from '@nestjs/common';
import { QueryFailedError, type EntityManager } from 'typeorm';
import { conflict, invalid } from '../common/errors/domain-error';
import { TransactionRunner } from '../database/transaction-runner';
import { EventOutbox } from '../events/event-outbox';
import { ModelCatalog } from './model-catalog.service';
import type { ModelStage } from './model-registry.port';
import { ModelReferences } from './model-references.service';
import { ModelVersionEntity } from './model-version.entity';
import { PromotionLedger } from './promotion-ledger.service';
import type { ModelReferenceView } from './promotion.entity';
import { stageEvent } from './registry.events';
import { assertTransition } from './stage-rules';

export interface StageChangeOptions {
  reason?: string;
  force?: boolean;
}

interface Move {
  model: ModelVersionEntity;
  to: ModelStage;
  forced: boolean;
  references: ModelReferenceView[];
}

/**
 * Stage changes with their rules: promote (to staging or production), retire (archive) and restore. Going
 * to production archives the version that held it, in the same transaction; archiving a version that
 * something still references is refused unless forced, and the override is recorded in the ledger.
 */
@Injectable()
export class ModelLifecycle {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly references: ModelReferences,
    private readonly ledger: PromotionLedger,
    private readonly outbox: EventOutbox,
    private readonly tx: TransactionRunner,
  ) {}

  /** Joins `outer` when given (A/B conclusions promote inside their own transaction). */
  async promote(
    ref: string,
    to: 'staging' | 'production',
    opts: StageChangeOptions & { version?: string },
    actor: string,
    outer?: EntityManager,
  ): Promise<ModelVersionEntity> {
    return this.inTransaction(outer, async (manager) => {
      const model = await this.catalog.get(ref, manager);
      if (opts.version !== undefined && opts.version !== model.version) {
        throw invalid(
          'VERSION_MISMATCH',
          `Body version '${opts.version}' does not match model '${model.id}' (version '${model.version}').`,
          { model_id: model.id, version: model.version, requested_version: opts.version },
        );
      }
      assertTransition(model.id, model.stage, to);
      const moves: Move[] = [];
      if (to === 'production') {
        const current = await manager.findOneBy(ModelVersionEntity, {
          name: model.name,
          stage: 'production',
        });
        if (current && current.id !== model.id)
          moves.push(await this.guardedMove(manager, current, 'archived', opts.force));
      }
      moves.push({ model, to, forced: false, references: [] });
      return { moves, reason: opts.reason ?? '', actor, result: model };
    });
  }

  async retire(ref: string, opts: StageChangeOptions, actor: string): Promise<void> {
    await this.inTransaction(undefined, async (manager) => {
      const model = await this.catalog.get(ref, manager);
      assertTransition(model.id, model.stage, 'archived');
      const move = await this.guardedMove(manager, model, 'archived', opts.force);
      return { moves: [move], reason: opts.reason ?? '', actor, result: model };
    });
  }

  async restore(ref: string, opts: StageChangeOptions, actor: string): Promise<void> {
    await this.inTransaction(undefined, async (manager) => {
      const model = await this.catalog.get(ref, manager);
      assertTransition(model.id, model.stage, 'registered');
      const move = { model, to: 'registered' as const, forced: false, references: [] };
      return { moves: [move], reason: opts.reason ?? '', actor, result: model };
    });
  }

  /** Everything that still points at a version: registered reference sources plus its own aliases. */
  async referencesTo(model: ModelVersionEntity, manager?: EntityManager): Promise<ModelReferenceView[]> {
    const aliases = await this.catalog.aliasesOf([model.id], manager);
    const own = (aliases.get(model.id) ?? []).map((alias) => ({
      kind: 'alias',
      id: `${model.name}@${alias}`,
      description: `alias '${alias}' of model '${model.name}' points at this version`,
    }));
    return [...own, ...(await this.references.find(model.id, manager))];
  }

  private async guardedMove(
    manager: EntityManager,
    model: ModelVersionEntity,
    to: ModelStage,
    force = false,
  ): Promise<Move> {
    const references = await this.referencesTo(model, manager);
    if (references.length > 0 && !force) {
      throw conflict(
        'MODEL_IN_USE',
        `Model '${model.id}' cannot move from stage '${model.stage}' to stage '${to}': it is still referenced by ` +
          `${references.map((r) => `${r.kind} ${r.id}`).join(', ')}. Pass "force": true to override.`,
        { model_id: model.id, from_stage: model.stage, to_stage: to, references },
      );
    }
    return { model, to, forced: references.length > 0, references };
  }

  /** Checks and moves in one transaction (the caller's when given), so the checks hold when applied. */
  private async inTransaction<T>(
    outer: EntityManager | undefined,
    plan: (manager: EntityManager) => Promise<{ moves: Move[]; reason: string; actor: string; result: T }>,
  ): Promise<T> {
    let last: Move | undefined;
    try {
      return await this.tx.run(async (manager) => {
        const { moves, reason, actor, result } = await plan(manager);
        last = moves[moves.length - 1];
        const at = new Date();
        for (const move of moves) await this.applyOne(manager, move, reason, actor, at);
        return result;
      }, outer);
    } catch (error) {
      // The one-production-per-name index: another promotion of this name committed first.
      if (last && error instanceof QueryFailedError && /unique|duplicate/i.test(error.message)) {
        throw conflict(
          'CONCURRENT_PROMOTION',
          `Another version of '${last.model.name}' was promoted to production concurrently; retry.`,
          { model_id: last.model.id },
        );
      }
      throw error;
    }
  }

  private async applyOne(manager: EntityManager, move: Move, reason: string, actor: string, at: Date) {
    const { model, to } = move;
    const from = model.stage;
    // Conditional on the stage we checked: a concurrent change makes this a conflict, not a lost update.
    const result = await manager
      .createQueryBuilder()
      .update(ModelVersionEntity)
      .set({
        stage: to,
        updated_at: at,
        ...(this.catalog.initialSyncState ? { mlflow_sync: 'pending' } : {}),
      })
      .where('id = :id AND stage = :from', { id: model.id, from })
      .execute();
    if (!result.affected) {
      const now = await manager.findOneBy(ModelVersionEntity, { id: model.id });
      throw conflict(
        'STAGE_CHANGED_CONCURRENTLY',
        `Model '${model.id}' left stage '${from}' (now '${now?.stage ?? 'unknown'}') while moving to '${to}'; retry.`,
        { model_id: model.id, from_stage: from, to_stage: to },
      );
    }
    await this.ledger.append(manager, {
      model_id: model.id,
      name: model.name,
      version: model.version,
      action: 'stage',
      from_stage: from,
      to_stage: to,
      actor,
      reason,
      forced: move.forced,
      referenced_by: move.forced ? move.references : null,
      at,
    });
    await this.outbox.append(manager, stageEvent(model, from, to, { reason, actor, forced: move.forced }));
    model.stage = to;
    model.updated_at = at;
  }
}
