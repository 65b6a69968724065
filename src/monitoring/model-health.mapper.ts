import type { DriftDto, HealthSnapshotDto, ModelHealthDto } from './model-health.dto';
import type { ModelHealthEntity, ModelMonitorEntity, SnapshotDrift } from './model-health.entities';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toSnapshotDto(row: ModelHealthEntity): HealthSnapshotDto {
  return {
    id: Number(row.id),
    model_id: row.model_id,
    metric_name: row.metric_name,
    metric_value: row.metric_value,
    drift_score: row.drift_score,
    alert_triggered: row.alert_triggered,
    sample_count: row.sample_count,
    window_start: iso(row.window_start),
    window_end: iso(row.window_end),
    status: row.status,
    alerts: row.alerts,
    calls: row.calls,
    request_rate: row.request_rate,
    error_rate: row.error_rate,
    latency_p50_ms: row.latency_p50_ms,
    latency_p95_ms: row.latency_p95_ms,
    latency_p99_ms: row.latency_p99_ms,
    drift: row.drift ? toDriftDto(row.drift) : null,
    created_at: row.created_at.toISOString(),
  };
}

function toDriftDto(d: SnapshotDrift): DriftDto {
  return {
    state: d.state,
    reference_source: d.reference_source,
    reference_size: d.reference_size,
    current_size: d.current_size,
    max_psi: d.report?.max_psi ?? null,
    min_ks_p_value: d.report?.min_ks_p_value ?? null,
    ks_alpha_per_test: d.report?.ks_alpha_per_test ?? null,
    inputs: d.report?.inputs ?? [],
    outputs: d.report?.outputs ?? [],
  };
}

export function toModelHealthDto(
  modelId: string,
  monitor: ModelMonitorEntity | null,
  history: ModelHealthEntity[],
): ModelHealthDto {
  const snapshots = history.map(toSnapshotDto);
  return {
    model_id: modelId,
    status: monitor?.status ?? 'healthy',
    alerts: monitor?.alerts ?? [],
    evaluated_at: iso(monitor?.evaluated_at ?? null),
    promoted_at: iso(monitor?.promoted_at ?? null),
    reference_source: monitor?.reference_source ?? null,
    latest: snapshots[0] ?? null,
    history: snapshots,
  };
}
