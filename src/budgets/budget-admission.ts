import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { EventOutbox } from '../events/event-outbox';
import { SqlDialect } from '../database/sql-dialect';
import {
  DispatchAdmissions,
  type DispatchAdmission,
  type DispatchDraft,
  type SettledJob,
} from '../training/dispatch-admission.port';
import type { BudgetEntity } from './budget.entities';
import { BudgetAlerts } from './budget-alerts';
import { BudgetLedger } from './budget-ledger';
import { matchingBudgets } from './budget-matching';
import { periodWindow } from './budget-periods';
import { BudgetPolicy } from './budget-policy';
import { budgetFigures, namedQuery, RESERVED_SQL, spentSql, sumParams } from './budget-sums';
import { major } from './budget.mapper';

/**
 * Budgets as admission control. Inside training's dispatch transaction, before any provider call, the
 * job's predicted p90 cost × its allowed attempts is reserved against every matching budget. Block-mode
 * budgets refuse (402, nothing dispatched) when spent + reserved + requested would pass their admission
 * threshold; concurrent dispatches cannot over-commit because each budget row is locked first (PostgreSQL)
 * and the reservation is a single conditional INSERT (atomic on SQLite too).
 */
@Injectable()
export class BudgetAdmission implements DispatchAdmission, OnModuleInit {
  readonly name = 'budgets';

  constructor(
    private readonly admissions: DispatchAdmissions,
    private readonly policy: BudgetPolicy,
    private readonly ledger: BudgetLedger,
    private readonly alerts: BudgetAlerts,
    private readonly outbox: EventOutbox,
    private readonly dialect: SqlDialect,
  ) {}

  onModuleInit(): void {
    this.admissions.register(this);
  }

  async admit(manager: EntityManager, draft: DispatchDraft): Promise<void> {
    if (!this.policy.enabled) return;
    const requested = draft.predicted_cost_p90_micros * Math.max(1, draft.allowed_attempts);
    const budgets = await matchingBudgets(manager, draft);
    if (budgets.length === 0) return;
    const now = await this.dialect.clock();
    for (const budget of budgets) await this.lock(manager, budget.id);
    for (const budget of budgets) {
      if (budget.currency !== draft.currency) {
        this.refuseCurrency(budget, draft);
        continue;
      }
      if (this.policy.modeOf(budget) === 'block')
        await this.reserveOrRefuse(manager, budget, draft, requested, now);
      else await this.reserveWarn(manager, budget, draft, requested, now);
    }
  }

  async settle(manager: EntityManager, job: SettledJob): Promise<void> {
    const now = await this.dialect.clock();
    await this.ledger.settle(manager, job, now);
    await namedQuery(
      manager,
      `UPDATE budget_reservations SET status = 'settled', closed_at = :now WHERE job_id = :job_id AND status = 'held'`,
      { now, job_id: job.job_id },
    );
  }

  /** A row lock held until the dispatch transaction ends (a plain UPDATE locks on both databases). */
  private async lock(manager: EntityManager, budgetId: number): Promise<void> {
    await namedQuery(manager, 'UPDATE budgets SET lock_version = lock_version + 1 WHERE id = :id', {
      id: budgetId,
    });
  }

  private async reserveOrRefuse(
    manager: EntityManager,
    budget: BudgetEntity,
    draft: DispatchDraft,
    requested: number,
    now: Date,
  ): Promise<void> {
    const window = periodWindow(budget.period, now);
    // PostgreSQL cannot type bare parameters in a SELECT list: the casts say what they are.
    const inserted = await namedQuery<{ id: unknown }>(
      manager,
      `INSERT INTO budget_reservations (budget_id, job_id, amount_micros, currency, status)
       SELECT CAST(:budget_id AS integer), CAST(:job_id AS varchar(36)), CAST(:requested AS bigint),
              CAST(:currency AS varchar(3)), 'held'
        WHERE CAST(:allowed AS bigint) >= CAST(:requested AS bigint) + (${spentSql(budget)}) + (${RESERVED_SQL})
       RETURNING id`,
      {
        ...sumParams(budget, window),
        job_id: draft.job_id,
        requested,
        allowed: Math.floor((budget.limit_micros * budget.stop_admission_pct) / 100),
      },
    );
    if (inserted.length === 1) return;
    const figures = await budgetFigures(manager, budget, window);
    throw new DomainError(
      'payment_required',
      'BUDGET_EXCEEDED',
      `Budget ${budget.id} (${budget.scope}/${budget.scope_value} ${budget.period}) cannot admit this job: ` +
        `${major(figures.spent)} spent + ${major(figures.reserved)} reserved + ${major(requested)} requested ` +
        `exceeds ${budget.stop_admission_pct}% of ${major(budget.limit_micros)} ${budget.currency}.`,
      {
        budget_id: budget.id,
        scope: budget.scope,
        scope_value: budget.scope_value,
        period: budget.period,
        limit: budget.limit_micros,
        spent: figures.spent,
        reserved: figures.reserved,
        requested,
        currency: budget.currency,
        stop_admission_pct: budget.stop_admission_pct,
        limit_eur: major(budget.limit_micros),
        spent_eur: major(figures.spent),
        reserved_eur: major(figures.reserved),
        requested_eur: major(requested),
      },
    );
  }

  /** Warn mode admits, reserves (so spending shows it), and records an alert when the limit is passed. */
  private async reserveWarn(
    manager: EntityManager,
    budget: BudgetEntity,
    draft: DispatchDraft,
    requested: number,
    now: Date,
  ): Promise<void> {
    const window = periodWindow(budget.period, now);
    const figures = await budgetFigures(manager, budget, window);
    await namedQuery(
      manager,
      `INSERT INTO budget_reservations (budget_id, job_id, amount_micros, currency, status, created_at)
       VALUES (:budget_id, :job_id, :requested, :currency, 'held', :now)`,
      { budget_id: budget.id, job_id: draft.job_id, requested, currency: budget.currency, now },
    );
    const projected = figures.spent + figures.reserved + requested;
    if (projected * 100 <= budget.limit_micros * budget.stop_admission_pct) return;
    await this.alerts.fire(manager, budget, window, {
      alert_type: 'admission_over_limit',
      threshold_pct: budget.stop_admission_pct,
      spent: figures.spent,
      pct_used: (projected / budget.limit_micros) * 100,
      extra: { job_id: draft.job_id, reserved: figures.reserved, requested, mode: 'warn' },
    });
  }

  private refuseCurrency(budget: BudgetEntity, draft: DispatchDraft): void {
    if (this.policy.modeOf(budget) === 'warn') return;
    throw new DomainError(
      'payment_required',
      'BUDGET_CURRENCY_MISMATCH',
      `Budget ${budget.id} is in ${budget.currency} but the job is priced in ${draft.currency}: it cannot be checked, so it is refused.`,
      { budget_id: budget.id, currency: budget.currency, job_currency: draft.currency },
    );
  }
}
