import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlDialect } from '../database/sql-dialect';
import { TrainingQueries } from '../training/training-queries';
import { BudgetAlertEntity, BudgetEntity } from './budget.entities';
import { budgetMatches } from './budget-matching';
import { periodWindow } from './budget-periods';
import { BudgetPolicy } from './budget-policy';
import { budgetFigures } from './budget-sums';
import { major, toAlertView } from './budget.mapper';
import type { BudgetSpendingView } from './budgets.dto';

/** Per budget and current period: limit, spent (ledger), reserved, remaining and a forecast to period end. */
@Injectable()
export class BudgetSpending {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dialect: SqlDialect,
    private readonly queries: TrainingQueries,
    private readonly policy: BudgetPolicy,
  ) {}

  async report(filter: { scope?: string; scope_value?: string }): Promise<BudgetSpendingView[]> {
    const budgets = await this.dataSource.getRepository(BudgetEntity).find({
      where: {
        enabled: true,
        ...(filter.scope ? { scope: filter.scope as BudgetEntity['scope'] } : {}),
        ...(filter.scope_value ? { scope_value: filter.scope_value } : {}),
      },
      order: { id: 'ASC' },
    });
    if (budgets.length === 0) return [];
    const now = await this.dialect.clock();
    const running = await this.queries.runningAttempts();
    return Promise.all(
      budgets.map(async (budget) => {
        const window = periodWindow(budget.period, now);
        const { spent, reserved } = await budgetFigures(this.dataSource.manager, budget, window);
        const burnPerHour = running
          .filter((a) => a.currency === budget.currency && budgetMatches(budget, a))
          .reduce((sum, a) => sum + a.hourly_price_micros, 0);
        const hoursLeft = window.end ? Math.max(0, window.end.getTime() - now.getTime()) / 3_600_000 : null;
        const forecast = hoursLeft === null ? null : Math.round(spent + burnPerHour * hoursLeft);
        const remaining = budget.limit_micros - spent - reserved;
        const alerts = await this.dataSource.getRepository(BudgetAlertEntity).find({
          where: { budget_id: budget.id },
          order: { created_at: 'DESC', id: 'DESC' },
          take: 5,
        });
        return {
          budget_id: budget.id,
          scope: budget.scope,
          scope_value: budget.scope_value,
          period: budget.period,
          period_start: window.start.toISOString(),
          period_end: window.end?.toISOString() ?? null,
          currency: budget.currency,
          limit: budget.limit_micros,
          spent,
          reserved,
          remaining,
          forecast,
          limit_eur: major(budget.limit_micros),
          spent_eur: major(spent),
          reserved_eur: major(reserved),
          remaining_eur: major(remaining),
          forecast_eur: forecast === null ? null : major(forecast),
          pct_used: (spent / budget.limit_micros) * 100,
          enforcement: this.policy.modeOf(budget),
          alerts: alerts.map(toAlertView),
        };
      }),
    );
  }
}
