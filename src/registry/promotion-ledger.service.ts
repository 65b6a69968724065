import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThanOrEqual, type EntityManager, type Repository } from 'typeorm';
import { invalid } from '../common/errors/domain-error';
import type { ModelStage } from './model-registry.port';
import { PromotionEntity, type ModelReferenceView } from './promotion.entity';
import { MODEL_STAGES } from './stage-rules';

export interface LedgerEntry {
  model_id: string;
  name: string;
  version: string;
  action: PromotionEntity['action'];
  from_stage?: ModelStage | null;
  to_stage?: ModelStage | null;
  alias?: string | null;
  previous_model_id?: string | null;
  actor: string;
  reason?: string;
  forced?: boolean;
  referenced_by?: ModelReferenceView[] | null;
  at: Date;
}

/**
 * The append-only history of stage changes and alias moves, and the point-in-time questions it answers
 * ("which version held production / the champion alias of model N at time T").
 */
@Injectable()
export class PromotionLedger {
  constructor(@InjectRepository(PromotionEntity) private readonly rows: Repository<PromotionEntity>) {}

  async append(manager: EntityManager, ...entries: LedgerEntry[]): Promise<void> {
    for (const e of entries) {
      await manager.insert(PromotionEntity, {
        model_id: e.model_id,
        name: e.name,
        version: e.version,
        action: e.action,
        from_stage: e.from_stage ?? null,
        to_stage: e.to_stage ?? null,
        alias: e.alias ?? null,
        previous_model_id: e.previous_model_id ?? null,
        actor: e.actor,
        reason: e.reason ?? '',
        forced: e.forced ?? false,
        referenced_by: e.referenced_by ?? null,
        promoted_at: e.at,
      });
    }
  }

  forVersion(modelId: string): Promise<PromotionEntity[]> {
    return this.rows.find({ where: { model_id: modelId }, order: { id: 'ASC' } });
  }

  /** The versions of `name` that were in `stage` at `at` (at most one for production). */
  async stageHoldersAt(name: string, stage: ModelStage, at: Date): Promise<string[]> {
    if (!MODEL_STAGES.includes(stage)) {
      throw invalid('INVALID_STAGE', `Unknown stage '${stage}'; expected one of ${MODEL_STAGES.join(', ')}.`);
    }
    const rows = await this.rows.find({
      where: [
        { name, action: 'stage', promoted_at: LessThanOrEqual(at) },
        { name, action: 'register', promoted_at: LessThanOrEqual(at) },
      ],
      order: { id: 'ASC' },
    });
    // Replaying in id order leaves each version's stage as of `at`.
    const stageOf = new Map<string, ModelStage>();
    for (const row of rows) if (row.to_stage) stageOf.set(row.model_id, row.to_stage);
    return [...stageOf.entries()].filter(([, s]) => s === stage).map(([id]) => id);
  }

  /** The version `name@alias` pointed at, at `at`, or null. */
  async aliasTargetAt(name: string, alias: string, at: Date): Promise<string | null> {
    const last = await this.rows.findOne({
      where: { name, alias, promoted_at: LessThanOrEqual(at) },
      order: { promoted_at: 'DESC', id: 'DESC' },
    });
    return last && last.action === 'alias_set' ? last.model_id : null;
  }
}
