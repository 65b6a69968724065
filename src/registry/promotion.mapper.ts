import type { PromotionEntity } from './promotion.entity';

export function toPromotionResponse(p: PromotionEntity) {
  return {
    id: Number(p.id),
    model_id: p.model_id,
    name: p.name,
    version: p.version,
    action: p.action,
    from_stage: p.from_stage,
    to_stage: p.to_stage,
    alias: p.alias,
    previous_model_id: p.previous_model_id,
    actor: p.actor,
    reason: p.reason,
    forced: p.forced,
    references: p.referenced_by,
    promoted_at: p.promoted_at.toISOString(),
  };
}
