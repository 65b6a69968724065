import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Not, type Repository } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { SqlDialect } from '../database/sql-dialect';
import { PredictionRecords } from '../inference/recording/prediction-records.service';
import { RuntimeSettings } from '../settings/runtime-settings.service';
import { HealthEvaluator } from './health-evaluator';
import { HealthTransitions, StaleMonitorError, type RecordedEvaluation } from './health-transitions';
import { ModelHealthEntity, ModelMonitorEntity } from './model-health.entities';
import { ModelMonitors } from './model-monitors.service';
import type { ModelTraffic } from './prediction-window.query';
import { PredictionWindow } from './prediction-window.query';

export const HEALTH_TASK = 'monitoring.health';

export interface CheckSummary {
  evaluated: number;
  alerting: number;
  pruned: number;
}

/**
 * The `monitoring.health` loop. Each check evaluates every model version that answered in the rolling
 * window, plus the ones still alerting without traffic (they recover: an old error no longer keeps a
 * model degraded, unlike the reference's never-cleared buffers). Idle, healthy models write nothing.
 * A row is written per evaluated model and check; rows older than `retention_days` are pruned.
 */
@Injectable()
export class HealthMonitor {
  private readonly logger = new Logger('HealthMonitor');
  private last: CheckSummary | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RuntimeSettings) private readonly settings: RuntimeSettings,
    @InjectRepository(ModelHealthEntity) private readonly health: Repository<ModelHealthEntity>,
    @InjectRepository(ModelMonitorEntity) private readonly monitorRows: Repository<ModelMonitorEntity>,
    private readonly dialect: SqlDialect,
    private readonly predictions: PredictionRecords,
    private readonly window: PredictionWindow,
    private readonly monitors: ModelMonitors,
    private readonly evaluator: HealthEvaluator,
    private readonly transitions: HealthTransitions,
  ) {}

  get enabled(): boolean {
    return this.settings.bool('health', 'enabled');
  }

  get lastCheck(): CheckSummary | null {
    return this.last;
  }

  async check(signal?: AbortSignal): Promise<CheckSummary | null> {
    if (!this.enabled) return null;
    // Predictions answered a moment ago are still in the recorder's buffer.
    await this.predictions.flush().catch((e: Error) => this.logger.warn(`flush before check: ${e.message}`));
    const now = await this.dialect.clock();
    const start = new Date(now.getTime() - this.config.health.window_seconds * 1000);
    const traffic = new Map((await this.window.trafficSince(start)).map((t) => [t.model_id, t]));
    const alerting = await this.monitorRows.find({
      where: { status: Not('healthy'), model_id: Not(In([...traffic.keys()])) },
    });
    const ids = [...traffic.keys(), ...alerting.map((m) => m.model_id)];
    let evaluated = 0;
    for (const id of ids) {
      if (signal?.aborted) break;
      if (await this.evaluateOne(id, traffic.get(id), start, now)) evaluated++;
    }
    const pruned = await this.prune(now);
    const count = await this.monitorRows.count({ where: { status: Not('healthy') } });
    this.last = { evaluated, alerting: count, pruned };
    return this.last;
  }

  private async evaluateOne(
    modelId: string,
    traffic: ModelTraffic | undefined,
    start: Date,
    now: Date,
  ): Promise<RecordedEvaluation | undefined> {
    try {
      const monitor = await this.monitors.ensure(modelId);
      const snapshot = await this.evaluator.evaluate(monitor, traffic, start, now);
      return await this.transitions.record(monitor, snapshot, now);
    } catch (error) {
      if (error instanceof StaleMonitorError) return undefined;
      this.logger.warn(`health of ${modelId}: ${(error as Error).message}`);
      return undefined;
    }
  }

  private async prune(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - this.settings.number('health', 'retention_days') * 86_400_000);
    const result = await this.health
      .createQueryBuilder()
      .delete()
      .where('created_at < :cutoff', { cutoff })
      .execute();
    return result.affected ?? 0;
  }
}
