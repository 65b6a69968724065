import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TransactionRunner } from '../database/transaction-runner';
import { EventOutbox } from '../events/event-outbox';
import type { NewEvent } from '../events/event-topics';
import type { FeatureDrift } from './drift/drift-report';
import type { HealthSnapshot } from './health-evaluator';
import { ModelHealthEntity, ModelMonitorEntity, type HealthStatus } from './model-health.entities';

export const HEALTH_EVENTS = {
  /** New drift alerts were raised (possibly with other thresholds). */
  driftDetected: 'model.drift_detected',
  /** The status changed or another threshold was crossed. */
  changed: 'model.health_changed',
} as const;

export interface RecordedEvaluation {
  row: ModelHealthEntity;
  /** Alerts raised by this evaluation that the previous one did not have. */
  crossed: string[];
  event: NewEvent | null;
}

/** Another replica recorded an evaluation of this model first: this one is dropped. */
export class StaleMonitorError extends Error {}

/**
 * Writes an evaluation: the `model_health` row, the monitor's new status and, in the same transaction,
 * a `health` event when the status changed or a threshold was newly crossed — once per crossing, not on
 * every check while the alert lasts. The monitor's revision fences concurrent replicas.
 */
@Injectable()
export class HealthTransitions {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly outbox: EventOutbox,
  ) {}

  async record(monitor: ModelMonitorEntity, s: HealthSnapshot, at: Date): Promise<RecordedEvaluation> {
    const previous = new Set(monitor.alerts);
    const crossed = s.alerts.filter((a) => !previous.has(a));
    const cleared = monitor.alerts.filter((a) => !s.alerts.includes(a));
    const previousStatus = monitor.status;
    const changed = s.status !== previousStatus || crossed.length > 0;
    return this.tx.run(async (manager) => {
      const row = await manager.save(ModelHealthEntity, toRow(s, at));
      await this.advance(manager, monitor, s, at);
      const event = changed ? healthEvent(previousStatus, s, row, crossed, cleared) : null;
      if (event) await this.outbox.append(manager, event);
      return { row, crossed, event };
    });
  }

  private async advance(manager: EntityManager, m: ModelMonitorEntity, s: HealthSnapshot, at: Date) {
    const result = await manager
      .createQueryBuilder()
      .update(ModelMonitorEntity)
      .set({ status: s.status, alerts: s.alerts, evaluated_at: at, updated_at: at, revision: m.revision + 1 })
      .where('model_id = :id AND revision = :revision', { id: m.model_id, revision: m.revision })
      .execute();
    if (result.affected === 0) throw new StaleMonitorError(`${m.model_id} was evaluated concurrently`);
    Object.assign(m, { status: s.status, alerts: s.alerts, evaluated_at: at, revision: m.revision + 1 });
  }
}

function toRow(s: HealthSnapshot, at: Date): Partial<ModelHealthEntity> {
  return {
    model_id: s.model_id,
    metric_name: 'health_snapshot',
    metric_value: s.error_rate,
    drift_score: s.drift_score,
    alert_triggered: s.status !== 'healthy',
    sample_count: s.sample_count,
    window_start: s.window_start,
    window_end: s.window_end,
    status: s.status,
    alerts: s.alerts,
    calls: s.calls,
    request_rate: s.request_rate,
    error_rate: s.error_rate,
    latency_p50_ms: s.latency_p50_ms,
    latency_p95_ms: s.latency_p95_ms,
    latency_p99_ms: s.latency_p99_ms,
    drift: s.drift,
    created_at: at,
  };
}

function healthEvent(
  previousStatus: HealthStatus,
  s: HealthSnapshot,
  row: ModelHealthEntity,
  crossed: string[],
  cleared: string[],
): NewEvent {
  const drifted = crossed.some((a) => a.includes('_drift:'));
  const report = s.drift?.report;
  const flagged = (side: 'input' | 'prediction', features: FeatureDrift[] = []) =>
    features.filter((f) => f.alerts.length > 0).map((f) => ({ side, ...f }));
  return {
    topic: 'health',
    type: drifted ? HEALTH_EVENTS.driftDetected : HEALTH_EVENTS.changed,
    subject: s.model_id,
    data: {
      model_id: s.model_id,
      health_id: Number(row.id),
      status: s.status,
      previous_status: previousStatus,
      alerts: s.alerts,
      crossed,
      cleared,
      error_rate: s.error_rate,
      latency_p99_ms: s.latency_p99_ms,
      drift_score: s.drift_score,
      drifted_features: [...flagged('input', report?.inputs), ...flagged('prediction', report?.outputs)],
      window_start: s.window_start.toISOString(),
      window_end: s.window_end.toISOString(),
    },
  };
}
