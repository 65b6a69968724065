import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';
import type { DriftReport } from './drift/drift-report';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** What the drift report of a snapshot holds, including why drift was not tested. */
export interface SnapshotDrift {
  state: 'evaluated' | 'collecting_reference' | 'no_samples';
  reference_source: ReferenceSource | null;
  reference_size: number;
  current_size: number;
  report: DriftReport | null;
}

/** One evaluation of one model version over a rolling window (the reference's columns, then ours). */
@Entity({ name: 'model_health' })
export class ModelHealthEntity {
  /** bigint on PostgreSQL: the driver may hand it back as a string. */
  @PrimaryGeneratedColumn('increment')
  id!: number | string;

  @Column({ type: 'varchar', length: 255 })
  model_id!: string;

  /** Always `health_snapshot` (the reference's name). */
  @Column({ type: 'varchar', length: 100 })
  metric_name!: string;

  /** The error rate (as in the reference). */
  @Column({ type: 'double precision' })
  metric_value!: number;

  /** Largest PSI over the tested features; null when drift was not tested. */
  @Column({ type: 'double precision', nullable: true })
  drift_score!: number | null;

  @Column({ type: 'boolean' })
  alert_triggered!: boolean;

  /** Predictions (rows) answered in the window. */
  @Column({ type: 'integer' })
  sample_count!: number;

  @TimestampColumn({ nullable: true })
  window_start!: Date | null;

  @TimestampColumn({ nullable: true })
  window_end!: Date | null;

  @Column({ type: 'varchar', length: 16 })
  status!: HealthStatus;

  /** The thresholds crossed: `error_rate`, `latency_p99`, `input_drift:<feature>`, `prediction_drift:<feature>`. */
  @JsonColumn()
  alerts!: string[];

  /** Model calls in the window (a batch is one call). */
  @Column({ type: 'integer' })
  calls!: number;

  /** Predictions per second over the window. */
  @Column({ type: 'double precision' })
  request_rate!: number;

  @Column({ type: 'double precision' })
  error_rate!: number;

  @Column({ type: 'double precision', nullable: true })
  latency_p50_ms!: number | null;

  @Column({ type: 'double precision', nullable: true })
  latency_p95_ms!: number | null;

  @Column({ type: 'double precision', nullable: true })
  latency_p99_ms!: number | null;

  @JsonColumn({ nullable: true })
  drift!: SnapshotDrift | null;

  @TimestampColumn()
  created_at!: Date;
}

export type ReferenceSource = 'artifact' | 'traffic';

export interface ReferenceSamples {
  inputs: Array<Record<string, unknown>>;
  outputs: Array<Record<string, unknown>>;
}

/** The monitoring state of one model version: last status and drift reference. */
@Entity({ name: 'model_monitors' })
export class ModelMonitorEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  model_id!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: HealthStatus;

  @JsonColumn()
  alerts!: string[];

  @TimestampColumn({ nullable: true })
  evaluated_at!: Date | null;

  /** The latest promotion to production seen on the lifecycle topic. */
  @TimestampColumn({ nullable: true })
  promoted_at!: Date | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  reference_source!: ReferenceSource | null;

  @JsonColumn({ nullable: true })
  reference!: ReferenceSamples | null;

  /** The last prediction record in a traffic reference: current windows start after it. */
  @TimestampColumn({ nullable: true })
  reference_end_at!: Date | null;

  @Column({ type: 'varchar', length: 36, nullable: true })
  reference_end_id!: string | null;

  /** Optimistic lock: replicas evaluating the same model cannot both record a transition. */
  @Column({ type: 'integer' })
  revision!: number;

  @TimestampColumn()
  updated_at!: Date;
}
