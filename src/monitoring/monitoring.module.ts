import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';
import { HealthIndicators } from '../health/health-indicators';
import { InferenceModule } from '../inference/inference.module';
import { RegistryModule } from '../registry/registry.module';
import { DriftReferences } from './drift-reference';
import { HealthEvaluator } from './health-evaluator';
import { HEALTH_TASK, HealthMonitor } from './health-monitor.service';
import { HealthTransitions } from './health-transitions';
import { ModelHealthController } from './model-health.controller';
import { ModelHealthEntity, ModelMonitorEntity } from './model-health.entities';
import { ModelMonitors } from './model-monitors.service';
import { MonitoringLifecycleConsumer } from './monitoring-lifecycle.consumer';
import { PredictionWindow } from './prediction-window.query';

/** Models with alerts listed in /health/detailed. */
const DETAILED_LIMIT = 50;

/**
 * Model health: the `monitoring.health` loop (traffic, errors, latency, drift per model version), the
 * `model_health` history, `health` events on threshold crossings, and GET /api/v1/models/{id}/health.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([ModelHealthEntity, ModelMonitorEntity]),
    RegistryModule,
    InferenceModule,
  ],
  controllers: [ModelHealthController],
  providers: [
    PredictionWindow,
    ModelMonitors,
    DriftReferences,
    HealthEvaluator,
    HealthTransitions,
    HealthMonitor,
    MonitoringLifecycleConsumer,
  ],
  exports: [HealthMonitor, ModelMonitors],
})
export class MonitoringModule implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: PeriodicTasks,
    private readonly indicators: HealthIndicators,
    private readonly monitor: HealthMonitor,
    private readonly monitors: ModelMonitors,
  ) {}

  onModuleInit(): void {
    // The interval is the boot value; the settings module reapplies `health.check_interval_seconds`.
    this.tasks.register(HEALTH_TASK, (signal) => this.monitor.check(signal), {
      intervalMs: this.config.health.check_interval_seconds * 1000,
      timeoutMs: 120_000,
    });
    this.indicators.register('model_health', async () => {
      if (!this.monitor.enabled) return { status: 'disabled' };
      const alerting = await this.monitors.alerting(DETAILED_LIMIT);
      return {
        status: alerting.length > 0 ? 'degraded' : 'up',
        alerting: await this.monitors.countAlerting(),
        last_check: this.monitor.lastCheck,
        models: alerting.map((m) => ({
          model_id: m.model_id,
          status: m.status,
          alerts: m.alerts,
          evaluated_at: m.evaluated_at?.toISOString() ?? null,
        })),
      };
    });
  }
}
