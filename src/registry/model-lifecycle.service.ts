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

  async promote(
    ref: string,
    to: 'staging' | 'production',
    opts: StageChangeOptions & { version?: string },
    actor: string,
  ) {
    const model = await this.catalog.get(ref);
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
      const current = await this.catalog.productionOf(model.name);
      if (current && current.id !== model.id)
        moves.push(await this.guardedMove(current, 'archived', opts.force));
    }
    moves.push({ model, to, forced: false, references: [] });
    await this.apply(moves, opts.reason ?? '', actor);
  }

  async retire(ref: string, opts: StageChangeOptions, actor: string): Promise<void> {
    const model = await this.catalog.get(ref);
    assertTransition(model.id, model.stage, 'archived');
    await this.apply([await this.guardedMove(model, 'archived', opts.force)], opts.reason ?? '', actor);
  }

  async restore(ref: string, opts: StageChangeOptions, actor: string): Promise<void> {
    const model = await this.catalog.get(ref);
    assertTransition(model.id, model.stage, 'registered');
    await this.apply([{ model, to: 'registered', forced: false, references: [] }], opts.reason ?? '', actor);
  }

  /** Everything that still points at a version: registered reference sources plus its own aliases. */
  async referencesTo(model: ModelVersionEntity): Promise<ModelReferenceView[]> {
    const aliases = await this.catalog.aliasesOf([model.id]);
    const own = (aliases.get(model.id) ?? []).map((alias) => ({
      kind: 'alias',
      id: `${model.name}@${alias}`,
      description: `alias '${alias}' of model '${model.name}' points at this version`,
    }));
    return [...own, ...(await this.references.find(model.id))];
  }

  private async guardedMove(model: ModelVersionEntity, to: ModelStage, force = false): Promise<Move> {
    const references = await this.referencesTo(model);
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

  private async apply(moves: Move[], reason: string, actor: string): Promise<void> {
    try {
      await this.tx.run(async (manager) => {
        const at = new Date();
        for (const move of moves) await this.applyOne(manager, move, reason, actor, at);
      });
    } catch (error) {
      // The one-production-per-name index: another promotion of this name committed first.
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(error.message)) {
        const last = moves[moves.length - 1]!;
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
