import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { EventOutbox } from '../events/event-outbox';
import { TransactionRunner } from '../database/transaction-runner';
import { WebhookDeliveryPoller } from '../webhooks/webhook-delivery.poller';
import { BudgetEntity } from './budget.entities';
import { budgetFigures, namedQuery } from './budget-sums';
import { periodWindow, type PeriodWindow } from './budget-periods';
import { BudgetPolicy } from './budget-policy';
import { major } from './budget.mapper';

export interface AlertInput {
  alert_type: 'threshold_exceeded' | 'admission_over_limit';
  threshold_pct: number;
  spent: number;
  pct_used: number;
  extra?: Record<string, unknown>;
}

/** A budget whose spend has reached its limit in this period (block mode acts on it). */
export interface ExhaustedBudget {
  budget: BudgetEntity;
  spent: number;
}

export const THRESHOLD_EVENT = 'budget.threshold_crossed';

/**
 * Threshold alerts: each fires once per (budget, alert type, threshold, period) — the unique key makes a
 * second crossing, or a second replica, a no-op — as an alert row plus a `budget` event in the same
 * transaction, which the webhook fan-out delivers.
 */
@Injectable()
export class BudgetAlerts implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly outbox: EventOutbox,
    private readonly policy: BudgetPolicy,
    private readonly webhooks: WebhookDeliveryPoller,
  ) {}

  onModuleInit(): void {
    // The reference's `webhook_sent` becomes true once a subscriber has received the alert's event.
    this.webhooks.onDelivered(async (notice) => {
      if (notice.topic !== 'budget' || notice.subject === null) return;
      const alertId = Number(notice.subject.split(':')[1]);
      if (!notice.subject.startsWith('alert:') || !Number.isInteger(alertId)) return;
      await namedQuery(
        this.dataSource.manager,
        'UPDATE budget_alerts SET webhook_sent = :sent WHERE id = :id',
        {
          sent: true,
          id: alertId,
        },
      );
    });
  }

  /** Checks every enabled budget's spend against its thresholds; returns the budgets at or over 100%. */
  async evaluate(now: Date): Promise<ExhaustedBudget[]> {
    const budgets = await this.dataSource.getRepository(BudgetEntity).find({ where: { enabled: true } });
    const exhausted: ExhaustedBudget[] = [];
    for (const budget of budgets) {
      const window = periodWindow(budget.period, now);
      await this.tx.run(async (manager) => {
        const { spent } = await budgetFigures(manager, budget, window);
        const pct = (spent / budget.limit_micros) * 100;
        for (const threshold of budget.alert_thresholds) {
          if (spent * 100 < budget.limit_micros * threshold) continue;
          await this.fire(manager, budget, window, {
            alert_type: 'threshold_exceeded',
            threshold_pct: threshold,
            spent,
            pct_used: pct,
          });
        }
        if (spent >= budget.limit_micros) exhausted.push({ budget, spent });
      });
    }
    return exhausted;
  }

  /** Inserts the alert unless it already fired this period; appends its event when it is new. */
  async fire(
    manager: EntityManager,
    budget: BudgetEntity,
    window: PeriodWindow,
    input: AlertInput,
  ): Promise<boolean> {
    const message =
      `${budget.scope}/${budget.scope_value} ${budget.period} budget at ${input.pct_used.toFixed(1)}% ` +
      `(${major(input.spent).toFixed(2)}/${major(budget.limit_micros).toFixed(2)} ${budget.currency})`;
    const rows = await namedQuery<{ id: unknown; created_at: unknown }>(
      manager,
      `INSERT INTO budget_alerts (budget_id, alert_type, threshold_pct, period_start, spent_micros, limit_micros,
                                  currency, pct_used, message, webhook_sent)
       VALUES (:budget_id, :alert_type, :threshold_pct, :period_start, :spent, :limit, :currency, :pct_used,
               :message, :webhook_sent)
       ON CONFLICT (budget_id, alert_type, threshold_pct, period_start) DO NOTHING
       RETURNING id`,
      {
        budget_id: budget.id,
        alert_type: input.alert_type,
        threshold_pct: input.threshold_pct,
        period_start: window.start,
        spent: input.spent,
        limit: budget.limit_micros,
        currency: budget.currency,
        pct_used: input.pct_used,
        message,
        webhook_sent: false,
      },
    );
    const id = rows[0]?.id;
    if (id === undefined) return false;
    await this.outbox.append(manager, {
      topic: 'budget',
      type: input.alert_type === 'threshold_exceeded' ? THRESHOLD_EVENT : 'budget.admission_over_limit',
      subject: `alert:${Number(id)}`,
      data: {
        alert_id: Number(id),
        budget_id: budget.id,
        alert_type: input.alert_type,
        scope: budget.scope,
        scope_value: budget.scope_value,
        period: budget.period,
        period_start: window.start.toISOString(),
        threshold_pct: input.threshold_pct,
        pct_used: input.pct_used,
        spent: input.spent,
        limit: budget.limit_micros,
        currency: budget.currency,
        spent_eur: major(input.spent),
        limit_eur: major(budget.limit_micros),
        enforcement: this.policy.modeOf(budget),
        message,
        ...input.extra,
      },
    });
    return true;
  }
}
