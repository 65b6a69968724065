import type { BudgetPeriod } from './budget.entities';

export interface PeriodWindow {
  start: Date;
  /** Exclusive; null for `total`. */
  end: Date | null;
}

/** The calendar window containing `now`, in UTC: a day, an ISO week (from Monday), a month, or all time. */
export function periodWindow(period: BudgetPeriod, now: Date): PeriodWindow {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (period) {
    case 'daily':
      return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
    case 'weekly': {
      const sinceMonday = (now.getUTCDay() + 6) % 7;
      return {
        start: new Date(Date.UTC(y, m, d - sinceMonday)),
        end: new Date(Date.UTC(y, m, d - sinceMonday + 7)),
      };
    }
    case 'monthly':
      return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
    case 'total':
      return { start: new Date(0), end: null };
  }
}
