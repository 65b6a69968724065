import type { NewEvent } from '../events/event-topics';
import type { ModelStage } from './model-registry.port';

/** Lifecycle event types published by the registry on topic `lifecycle`. */
export const LIFECYCLE_EVENTS = {
  registered: 'model.registered',
  updated: 'model.updated',
  stageChanged: 'model.stage_changed',
  aliasSet: 'model.alias_set',
  aliasDeleted: 'model.alias_deleted',
  artifactUploaded: 'model.artifact_uploaded',
} as const;

interface VersionRef {
  id: string;
  name: string;
  version: string;
}

export function lifecycleEvent(
  type: string,
  model: VersionRef,
  data: Record<string, unknown> = {},
): NewEvent {
  return {
    topic: 'lifecycle',
    type,
    subject: model.id,
    data: { model_id: model.id, name: model.name, version: model.version, ...data },
  };
}

export const stageEvent = (
  model: VersionRef,
  from: ModelStage,
  to: ModelStage,
  extra: { reason: string; actor: string; forced: boolean },
) => lifecycleEvent(LIFECYCLE_EVENTS.stageChanged, model, { from_stage: from, to_stage: to, ...extra });
