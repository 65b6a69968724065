import type { EnsembleEntity, EnsembleVersionEntity } from './ensemble.entities';
import type { EnsembleVersionView, EnsembleView } from './ensembles.dto';

export function toEnsembleView(e: EnsembleEntity, v: EnsembleVersionEntity): EnsembleView {
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    service: e.service,
    strategy: v.strategy,
    strategy_config: v.strategy_config,
    model_ids: v.model_ids,
    timeout_ms: v.timeout_ms,
    quorum: v.quorum,
    stage: e.stage,
    version: e.version,
    enabled: e.enabled,
    created_at: e.created_at.toISOString(),
    updated_at: e.updated_at ? e.updated_at.toISOString() : null,
  };
}

export function toVersionView(v: EnsembleVersionEntity): EnsembleVersionView {
  return {
    id: v.id,
    ensemble_id: v.ensemble_id,
    version: v.version,
    model_ids: v.model_ids,
    strategy: v.strategy,
    strategy_config: v.strategy_config,
    timeout_ms: v.timeout_ms,
    quorum: v.quorum,
    change_reason: v.change_reason,
    created_at: v.created_at.toISOString(),
  };
}
