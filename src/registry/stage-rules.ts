import { conflict } from '../common/errors/domain-error';
import type { ModelStage } from './model-registry.port';

/**
 * The allowed stage moves. `production` is reached from `registered` or `staging`; any live stage can be
 * archived; an archived version only comes back through an explicit restore (to `registered`).
 */
const ALLOWED: Record<ModelStage, readonly ModelStage[]> = {
  registered: ['staging', 'production', 'archived'],
  staging: ['production', 'archived'],
  production: ['archived'],
  archived: ['registered'],
};

export const MODEL_STAGES: readonly ModelStage[] = ['registered', 'staging', 'production', 'archived'];

export function assertTransition(modelId: string, from: ModelStage, to: ModelStage): void {
  if (ALLOWED[from].includes(to)) return;
  const hint =
    from === 'archived'
      ? ' An archived version must be restored (POST …/restore) before it can be promoted.'
      : from === to
        ? ` It is already in ${to}.`
        : '';
  throw conflict(
    'INVALID_STAGE_TRANSITION',
    `Model '${modelId}' cannot move from stage '${from}' to stage '${to}'.${hint}`,
    { model_id: modelId, from_stage: from, to_stage: to, allowed: ALLOWED[from] },
  );
}
