import { Injectable } from '@nestjs/common';
import { RuntimeSettings } from '../settings/runtime-settings.service';
import type { BudgetEntity, EnforcementMode } from './budget.entities';

/**
 * The platform-wide budget settings, read live from RuntimeSettings so that a PUT on
 * /api/v1/settings/global/budget (on any replica) changes enforcement at once.
 */
@Injectable()
export class BudgetPolicy {
  constructor(private readonly runtime: RuntimeSettings) {}

  get enabled(): boolean {
    return this.runtime.bool('budget', 'enabled');
  }

  get defaultMode(): EnforcementMode {
    return this.runtime.string('budget', 'enforcement_mode') === 'warn' ? 'warn' : 'block';
  }

  get defaultThresholdPct(): number {
    return this.runtime.number('budget', 'alert_threshold_pct');
  }

  modeOf(budget: Pick<BudgetEntity, 'enforcement'>): EnforcementMode {
    return budget.enforcement ?? this.defaultMode;
  }
}
