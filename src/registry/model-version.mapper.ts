import type { ModelVersionView } from './model-registry.port';
import type { ModelVersionEntity } from './model-version.entity';

/** The port's view (what other modules consume). */
export function toVersionView(m: ModelVersionEntity): ModelVersionView {
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    service: m.service,
    model_type: m.model_type,
    framework: m.framework,
    description: m.description,
    tags: m.tags ?? {},
    input_features: m.input_features ?? [],
    output_schema: m.output_schema ?? {},
    stage: m.stage,
    serving: m.serving ?? null,
    metrics: m.metrics ?? {},
    training_job_id: m.training_job_id,
    created_at: m.created_at.toISOString(),
    updated_at: m.updated_at ? m.updated_at.toISOString() : null,
  };
}

/** The HTTP "model dict": the reference's 13 keys plus the registry's additions. */
export function toModelResponse(m: ModelVersionEntity, aliases: string[]) {
  return {
    model_id: m.id,
    name: m.name,
    version: m.version,
    model_type: m.model_type,
    framework: m.framework,
    description: m.description,
    tags: m.tags ?? {},
    input_features: m.input_features ?? [],
    output_schema: m.output_schema ?? {},
    stage: m.stage,
    mlflow_run_id: m.mlflow_run_id,
    created_at: m.created_at.toISOString(),
    updated_at: m.updated_at ? m.updated_at.toISOString() : null,
    service: m.service,
    serving: m.serving ?? null,
    metrics: m.metrics ?? {},
    training_job_id: m.training_job_id,
    aliases,
    mlflow_model_uri: m.mlflow_model_uri,
    mlflow_sync: m.mlflow_sync,
  };
}

export type ModelResponse = ReturnType<typeof toModelResponse>;
