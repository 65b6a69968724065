import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { DomainError } from '../common/errors/domain-error';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';
import { EventOutbox } from '../events/event-outbox';
import { SqlDialect } from '../database/sql-dialect';
import { TrainingQueries } from '../training/training-queries';
import { TrainingService } from '../training/training.service';
import type { RunningAttemptCost } from '../training/dispatch-admission.port';
import { BudgetAlerts, type ExhaustedBudget } from './budget-alerts';
import { BudgetLedger } from './budget-ledger';
import { budgetMatches } from './budget-matching';
import { BudgetPolicy } from './budget-policy';

export const METERING_TASK = 'budgets.metering';

export interface MeteringResult {
  metered: number;
  alerts_checked: number;
  cancelled: string[];
}

/**
 * The platform meters running jobs itself instead of waiting for cloud billing: every interval, each
 * running attempt's price × time since its last meter enters the ledger; thresholds are then checked,
 * and block-mode budgets at 100% cancel their matching running jobs (within one interval).
 */
@Injectable()
export class BudgetMetering implements OnApplicationBootstrap {
  private readonly logger = new Logger('BudgetMetering');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tasks: PeriodicTasks,
    private readonly dialect: SqlDialect,
    private readonly queries: TrainingQueries,
    private readonly training: TrainingService,
    private readonly ledger: BudgetLedger,
    private readonly alerts: BudgetAlerts,
    private readonly policy: BudgetPolicy,
    private readonly outbox: EventOutbox,
  ) {}

  onApplicationBootstrap(): void {
    this.tasks.register(METERING_TASK, () => this.tick(), {
      intervalMs: Math.round(this.config.budget.metering_interval_seconds * 1000),
    });
  }

  async tick(): Promise<MeteringResult> {
    const running = await this.queries.runningAttempts();
    const now = await this.dialect.clock();
    const metered = await this.ledger.meter(running, now);
    if (!this.policy.enabled) return { metered, alerts_checked: 0, cancelled: [] };
    const exhausted = await this.alerts.evaluate(now);
    const cancelled = await this.enforce(exhausted, running);
    return { metered, alerts_checked: exhausted.length, cancelled };
  }

  private async enforce(exhausted: ExhaustedBudget[], running: RunningAttemptCost[]): Promise<string[]> {
    const cancelled: string[] = [];
    for (const { budget, spent } of exhausted) {
      if (this.policy.modeOf(budget) !== 'block' || !budget.cancel_running_at_limit) continue;
      for (const attempt of running) {
        if (cancelled.includes(attempt.job_id) || !budgetMatches(budget, attempt)) continue;
        if (attempt.currency !== budget.currency) continue;
        if (await this.cancel(attempt.job_id, budget.id, spent, budget.limit_micros, budget.currency)) {
          cancelled.push(attempt.job_id);
        }
      }
    }
    return cancelled;
  }

  private async cancel(
    jobId: string,
    budgetId: number,
    spent: number,
    limit: number,
    currency: string,
  ): Promise<boolean> {
    try {
      await this.training.cancel(
        jobId,
        `budget ${budgetId} exhausted (${spent}/${limit} ${currency} micros)`,
        `budget:${budgetId}`,
      );
    } catch (error) {
      if (error instanceof DomainError && error.code === 'JOB_ALREADY_FINISHED') return false;
      this.logger.warn(`could not cancel job ${jobId} over budget ${budgetId}: ${(error as Error).message}`);
      return false;
    }
    await this.outbox.publish({
      topic: 'budget',
      type: 'budget.job_cancelled',
      subject: String(budgetId),
      data: { budget_id: budgetId, job_id: jobId, spent, limit, currency },
    });
    return true;
  }
}
