import type { EntityManager } from 'typeorm';
import type { BudgetEntity, BudgetScope } from './budget.entities';
import type { PeriodWindow } from './budget-periods';

/**
 * Raw SQL with `:named` parameters, escaped by the active driver (placeholders and Date values differ
 * between SQLite and PostgreSQL; the driver knows how).
 */
export async function namedQuery<T>(
  manager: EntityManager,
  sql: string,
  params: Record<string, unknown>,
): Promise<T[]> {
  const [query, values] = manager.connection.driver.escapeQueryWithParameters(sql, params, {});
  const result: unknown = await manager.query(query, values);
  // PostgreSQL answers UPDATE/DELETE … RETURNING with [rows, count]; everything else with rows.
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return (Array.isArray(result) ? result : []) as T[];
}

/** The ledger column a scope is matched on (global matches every row). */
const SCOPE_COLUMN: Record<BudgetScope, string | null> = {
  global: null,
  service: 'service',
  provider: 'provider',
  project: 'project',
  user: 'username',
};

/**
 * Spend in a budget's window: the ledger rows of its currency and scope. `prefix` namespaces the
 * parameters so that the fragment can be embedded several times in one statement.
 */
export function spentSql(budget: Pick<BudgetEntity, 'scope'>, alias = 'l'): string {
  const column = SCOPE_COLUMN[budget.scope];
  return `SELECT COALESCE(SUM(${alias}.amount_micros), 0) FROM budget_spend ${alias}
           WHERE ${alias}.currency = :currency AND ${alias}.occurred_at >= :period_start
             AND ${alias}.occurred_at < :period_end
             ${column ? `AND ${alias}.${column} = :scope_value` : ''}`;
}

/**
 * What held reservations still commit: each job's reservation minus what that job has already spent
 * (its spend is counted in `spent`), never below zero.
 */
export const RESERVED_SQL = `SELECT COALESCE(SUM(CASE WHEN r.amount_micros > u.used THEN r.amount_micros - u.used ELSE 0 END), 0)
  FROM budget_reservations r
  JOIN (SELECT r2.id AS rid, (SELECT COALESCE(SUM(s.amount_micros), 0) FROM budget_spend s
                                WHERE s.job_id = r2.job_id AND s.currency = r2.currency) AS used
          FROM budget_reservations r2 WHERE r2.budget_id = :budget_id AND r2.status = 'held') u ON u.rid = r.id`;

export interface BudgetFigures {
  spent: number;
  reserved: number;
}

export function sumParams(budget: BudgetEntity, window: PeriodWindow): Record<string, unknown> {
  return {
    budget_id: budget.id,
    currency: budget.currency,
    scope_value: budget.scope_value,
    period_start: window.start,
    period_end: window.end ?? new Date('9999-12-31T00:00:00Z'),
  };
}

export async function budgetFigures(
  manager: EntityManager,
  budget: BudgetEntity,
  window: PeriodWindow,
): Promise<BudgetFigures> {
  const rows = await namedQuery<{ spent: unknown; reserved: unknown }>(
    manager,
    `SELECT (${spentSql(budget)}) AS spent, (${RESERVED_SQL}) AS reserved`,
    sumParams(budget, window),
  );
  return { spent: Number(rows[0]?.spent ?? 0), reserved: Number(rows[0]?.reserved ?? 0) };
}
