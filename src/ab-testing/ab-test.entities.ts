import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

export type AbTestStatus = 'running' | 'paused' | 'concluded';

/** One arm: a model version, or an ensemble (optionally pinned to a version), and its traffic share. */
export interface AbVariant {
  model_id?: string;
  ensemble_id?: string;
  ensemble_version?: number;
  traffic_pct: number;
}

export interface AbGuardrail {
  metric: string;
  /** Largest tolerated degradation of a treatment against the control, in percent of the control's value. */
  max_degradation_pct: number;
}

/** Where a promoting conclusion moved the winner (in the conclusion's own transaction, hence always `done`). */
export interface AbPromotion {
  target: 'production' | 'alias';
  alias?: string;
  model_id: string;
  state: 'done';
}

@Entity({ name: 'ab_tests' })
export class AbTestEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 255 }) name!: string;
  @Column({ type: 'varchar', length: 255 }) service!: string;
  @Column({ type: 'varchar', length: 16 }) status!: AbTestStatus;
  @JsonColumn() variants!: Record<string, AbVariant>;
  @Column({ type: 'varchar', length: 100 }) control!: string;
  @Column({ type: 'varchar', length: 100 }) primary_metric!: string;
  @Column({ type: 'varchar', length: 16 }) metric_direction!: 'increase' | 'decrease';
  @JsonColumn() guardrails!: AbGuardrail[];
  @Column({ type: 'double precision' }) significance_level!: number;
  @Column({ type: 'integer' }) min_samples!: number;
  @Column({ type: 'double precision' }) expected_effect_size!: number;
  @Column({ type: 'boolean' }) auto_conclude!: boolean;
  @Column({ type: 'boolean' }) auto_promote!: boolean;
  @Column({ type: 'varchar', length: 100, nullable: true }) promote_alias!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) winner!: string | null;
  @Column({ type: 'text' }) conclusion_reason!: string;
  @JsonColumn({ nullable: true }) promotion!: AbPromotion | null;
  @Column({ type: 'varchar', length: 255 }) created_by!: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) concluded_by!: string | null;
  @TimestampColumn() created_at!: Date;
  @TimestampColumn() updated_at!: Date;
  @TimestampColumn({ nullable: true }) concluded_at!: Date | null;
}

/** A business outcome reported by a client for one variant (optionally tied to the prediction it follows). */
@Entity({ name: 'ab_test_metrics' })
export class AbTestMetricEntity {
  @PrimaryGeneratedColumn('increment') id!: number;
  @Column({ type: 'varchar', length: 36 }) test_id!: string;
  @Column({ type: 'varchar', length: 100 }) variant!: string;
  @Column({ type: 'varchar', length: 100 }) metric_name!: string;
  @Column({ type: 'double precision' }) value!: number;
  @Column({ type: 'varchar', length: 64, nullable: true }) prediction_id!: string | null;
  @TimestampColumn() created_at!: Date;
}
