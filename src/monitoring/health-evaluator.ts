import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { RuntimeSettings } from '../settings/runtime-settings.service';
import { driftReport, type DriftOptions } from './drift/drift-report';
import { percentile } from './drift/drift-statistics';
import { DriftReferences } from './drift-reference';
import type { HealthStatus, ModelMonitorEntity, SnapshotDrift } from './model-health.entities';
import { PredictionWindow, type ModelTraffic } from './prediction-window.query';

/** One evaluation, before it is persisted. */
export interface HealthSnapshot {
  model_id: string;
  status: HealthStatus;
  alerts: string[];
  sample_count: number;
  calls: number;
  request_rate: number;
  error_rate: number;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  latency_p99_ms: number | null;
  drift_score: number | null;
  drift: SnapshotDrift | null;
  window_start: Date;
  window_end: Date;
}

/**
 * Computes a model version's health over the rolling window: traffic and errors aggregated in SQL,
 * latency percentiles over the newest `max_samples` calls (a call's latency is its batch's), drift of the
 * sampled inputs and predictions against the reference. Thresholds are read from the live settings on
 * every evaluation.
 */
@Injectable()
export class HealthEvaluator {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RuntimeSettings) private readonly settings: RuntimeSettings,
    private readonly window: PredictionWindow,
    private readonly references: DriftReferences,
  ) {}

  /** `traffic` undefined: no prediction in the window (an alerting model recovers to healthy). */
  async evaluate(
    monitor: ModelMonitorEntity,
    traffic: ModelTraffic | undefined,
    windowStart: Date,
    windowEnd: Date,
  ): Promise<HealthSnapshot> {
    const seconds = (windowEnd.getTime() - windowStart.getTime()) / 1000;
    if (!traffic) return idleSnapshot(monitor.model_id, windowStart, windowEnd);
    const latencies = await this.window.latencies(
      monitor.model_id,
      windowStart,
      this.config.health.max_samples,
    );
    const drift = await this.drift(monitor, windowStart);
    const error_rate = traffic.predictions > 0 ? traffic.errors / traffic.predictions : 0;
    const snapshot: HealthSnapshot = {
      model_id: monitor.model_id,
      status: 'healthy',
      alerts: [],
      sample_count: traffic.predictions,
      calls: traffic.calls,
      request_rate: seconds > 0 ? traffic.predictions / seconds : 0,
      error_rate,
      latency_p50_ms: percentile(latencies, 50),
      latency_p95_ms: percentile(latencies, 95),
      latency_p99_ms: percentile(latencies, 99),
      drift_score: drift.report?.max_psi ?? null,
      drift,
      window_start: windowStart,
      window_end: windowEnd,
    };
    return this.classify(snapshot);
  }

  /**
   * unhealthy: error rate ≥ `unhealthy_error_rate`; degraded: error rate ≥ `degradation_pct` %, p99 above
   * `latency_p99_threshold_ms` (when set), or any drift alert; healthy otherwise.
   */
  private classify(s: HealthSnapshot): HealthSnapshot {
    const degradedErrors = this.settings.number('health', 'degradation_pct') / 100;
    const latencyLimit = this.config.health.latency_p99_threshold_ms;
    const alerts: string[] = [];
    if (s.error_rate >= Math.min(degradedErrors, this.config.health.unhealthy_error_rate))
      alerts.push('error_rate');
    if (latencyLimit > 0 && (s.latency_p99_ms ?? 0) > latencyLimit) alerts.push('latency_p99');
    alerts.push(...(s.drift?.report?.alerts ?? []));
    const status: HealthStatus =
      s.error_rate >= this.config.health.unhealthy_error_rate
        ? 'unhealthy'
        : alerts.length > 0
          ? 'degraded'
          : 'healthy';
    return { ...s, status, alerts };
  }

  private async drift(monitor: ModelMonitorEntity, windowStart: Date): Promise<SnapshotDrift> {
    const reference = await this.references.resolve(monitor);
    if (!reference.ready) {
      return {
        state: 'collecting_reference',
        reference_source: null,
        reference_size: reference.collected,
        current_size: 0,
        report: null,
      };
    }
    const current = await this.window.samples({
      modelId: monitor.model_id,
      since: windowStart,
      after: reference.after,
      order: 'newest',
      limit: this.config.health.max_samples,
    });
    const base = {
      reference_source: reference.source,
      reference_size: reference.samples.inputs.length,
      current_size: current.inputs.length,
    };
    if (current.inputs.length === 0) return { state: 'no_samples', ...base, report: null };
    return {
      state: 'evaluated',
      ...base,
      report: driftReport(reference.samples, current, this.driftOptions()),
    };
  }

  private driftOptions(): DriftOptions {
    const h = this.config.health;
    return {
      bins: h.psi_bins,
      psiThreshold: this.settings.number('health', 'drift_threshold'),
      ksAlpha: h.ks_alpha,
      minSamples: h.drift_min_samples,
      integerLevels: 10,
      maxLevels: 20,
    };
  }
}

function idleSnapshot(model_id: string, window_start: Date, window_end: Date): HealthSnapshot {
  return {
    model_id,
    status: 'healthy',
    alerts: [],
    sample_count: 0,
    calls: 0,
    request_rate: 0,
    error_rate: 0,
    latency_p50_ms: null,
    latency_p95_ms: null,
    latency_p99_ms: null,
    drift_score: null,
    drift: null,
    window_start,
    window_end,
  };
}
