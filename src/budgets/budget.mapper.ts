import type { BudgetAlertEntity, BudgetEntity, EnforcementMode } from './budget.entities';
import type { BudgetAlertView, BudgetView } from './budgets.dto';

/** Micro-units to major units, for the reference's `*_eur` fields (display only; arithmetic stays in micros). */
export const major = (micros: number) => Math.round(micros) / 1_000_000;

export function toBudgetView(row: BudgetEntity, defaultMode: EnforcementMode): BudgetView {
  return {
    id: row.id,
    scope: row.scope,
    scope_value: row.scope_value,
    period: row.period,
    limit: row.limit_micros,
    currency: row.currency,
    limit_eur: major(row.limit_micros),
    alert_threshold_pct: Math.min(...row.alert_thresholds),
    alert_thresholds: row.alert_thresholds,
    enforcement: row.enforcement ?? defaultMode,
    enforcement_override: row.enforcement,
    stop_admission_pct: row.stop_admission_pct,
    cancel_running_at_limit: row.cancel_running_at_limit,
    enabled: row.enabled,
    description: row.description,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function toAlertView(row: BudgetAlertEntity): BudgetAlertView {
  return {
    id: row.id,
    budget_id: row.budget_id,
    alert_type: row.alert_type,
    threshold_pct: row.threshold_pct,
    period_start: row.period_start.toISOString(),
    spent: row.spent_micros,
    limit: row.limit_micros,
    currency: row.currency,
    spent_eur: major(row.spent_micros),
    limit_eur: major(row.limit_micros),
    pct_used: row.pct_used,
    message: row.message,
    webhook_sent: row.webhook_sent,
    created_at: row.created_at.toISOString(),
  };
}
