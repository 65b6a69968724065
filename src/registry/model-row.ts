import type { ModelVersionEntity } from './model-version.entity';

/*
 * Raw rows of `artenic_models` (the list endpoint reads them without entity hydration, which is its hot
 * path). Drivers differ in what they hand back for JSON and timestamps, so values are normalised here by
 * their shape: JSON may arrive as text, instants as text in UTC without a zone.
 */
const json = <T>(value: unknown, fallback: T): T => {
  if (value === null || value === undefined) return fallback;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
};

const instant = (value: unknown): Date => {
  if (value instanceof Date) return value;
  const s = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
};

export function modelFromRow(row: Record<string, unknown>): ModelVersionEntity {
  return {
    id: row.id as string,
    name: row.name as string,
    version: row.version as string,
    service: row.service as string,
    model_type: row.model_type as string,
    framework: row.framework as string,
    description: (row.description as string) ?? '',
    tags: json(row.tags, {}),
    input_features: json(row.input_features, []),
    output_schema: json(row.output_schema, {}),
    stage: row.stage as ModelVersionEntity['stage'],
    serving: json(row.serving, null),
    metrics: json(row.metrics, {}),
    training_job_id: (row.training_job_id as string | null) ?? null,
    mlflow_run_id: (row.mlflow_run_id as string | null) ?? null,
    mlflow_model_uri: (row.mlflow_model_uri as string | null) ?? null,
    mlflow_sync: (row.mlflow_sync as ModelVersionEntity['mlflow_sync']) ?? null,
    mlflow_sync_error: (row.mlflow_sync_error as string | null) ?? null,
    mlflow_synced_event_id: Number(row.mlflow_synced_event_id ?? 0),
    created_at: instant(row.created_at),
    updated_at: row.updated_at === null || row.updated_at === undefined ? null : instant(row.updated_at),
  };
}
