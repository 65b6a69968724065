import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JsonColumn, MicrosColumn, TimestampColumn } from '../database/columns';

export const BUDGET_SCOPES = ['global', 'service', 'provider', 'project', 'user'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];
export const BUDGET_PERIODS = ['daily', 'weekly', 'monthly', 'total'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];
export const ENFORCEMENT_MODES = ['warn', 'block'] as const;
export type EnforcementMode = (typeof ENFORCEMENT_MODES)[number];

@Entity({ name: 'budgets' })
export class BudgetEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: 'varchar', length: 20 })
  scope!: BudgetScope;

  @Column({ type: 'varchar', length: 255 })
  scope_value!: string;

  @Column({ type: 'varchar', length: 20 })
  period!: BudgetPeriod;

  @MicrosColumn()
  limit_micros!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  /** Percentages of the limit, ascending. */
  @JsonColumn()
  alert_thresholds!: number[];

  /** Null: the platform default (ARTENIC_BUDGET__ENFORCEMENT_MODE, live-reloadable). */
  @Column({ type: 'varchar', length: 10, nullable: true })
  enforcement!: EnforcementMode | null;

  /** Block mode: refuse new jobs once committed spend would pass this percentage of the limit. */
  @Column({ type: 'double precision' })
  stop_admission_pct!: number;

  /** Block mode: cancel the matching running jobs when spend reaches the limit. */
  @Column({ type: 'boolean' })
  cancel_running_at_limit!: boolean;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  @Column({ type: 'integer' })
  lock_version!: number;

  @Column({ type: 'varchar', length: 200 })
  created_by!: string;

  @TimestampColumn()
  created_at!: Date;

  @TimestampColumn()
  updated_at!: Date;
}

@Entity({ name: 'budget_alerts' })
export class BudgetAlertEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: 'integer' })
  budget_id!: number;

  /** `threshold_exceeded` (spend crossed a threshold) or `admission_over_limit` (warn mode let a job in). */
  @Column({ type: 'varchar', length: 50 })
  alert_type!: string;

  @Column({ type: 'double precision' })
  threshold_pct!: number;

  @TimestampColumn()
  period_start!: Date;

  @MicrosColumn()
  spent_micros!: number;

  @MicrosColumn()
  limit_micros!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  @Column({ type: 'double precision' })
  pct_used!: number;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'boolean' })
  webhook_sent!: boolean;

  @TimestampColumn()
  created_at!: Date;
}

/** The spend ledger: what running jobs cost, metered by the platform itself. */
@Entity({ name: 'budget_spend' })
export class BudgetSpendEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  dedup_key!: string;

  /** `meter` (price × elapsed while running) or `settlement` (the final cost's unmetered tail). */
  @Column({ type: 'varchar', length: 20 })
  kind!: string;

  @Column({ type: 'varchar', length: 36 })
  job_id!: string;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'varchar', length: 255 })
  service!: string;

  @Column({ type: 'varchar', length: 50 })
  provider!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  project!: string | null;

  @Column({ type: 'varchar', length: 200 })
  username!: string;

  @MicrosColumn()
  amount_micros!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  @TimestampColumn({ nullable: true })
  metered_from!: Date | null;

  @TimestampColumn()
  occurred_at!: Date;

  @TimestampColumn()
  created_at!: Date;
}

@Entity({ name: 'budget_reservations' })
export class BudgetReservationEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: 'integer' })
  budget_id!: number;

  @Column({ type: 'varchar', length: 36 })
  job_id!: string;

  @MicrosColumn()
  amount_micros!: number;

  @Column({ type: 'varchar', length: 3 })
  currency!: string;

  /** `held` while the job may still spend, then `settled`. */
  @Column({ type: 'varchar', length: 10 })
  status!: 'held' | 'settled';

  @TimestampColumn()
  created_at!: Date;

  @TimestampColumn({ nullable: true })
  closed_at!: Date | null;
}
