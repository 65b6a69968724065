import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn, JsonColumn, MicrosColumn, TimestampColumn } from '../database/columns';
import type { JobStatus } from './job-state-machine';

/** A training job; leased by the pollers (lease_owner / lease_expires_at / lease_token). */
@Entity({ name: 'training_jobs' })
export class TrainingJobEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 255 }) service!: string;
  @Column({ type: 'varchar', length: 255 }) model!: string;
  @Column({ type: 'varchar', length: 50 }) provider!: string;
  @JsonColumn() config!: Record<string, unknown>;
  @Column({ type: 'varchar', length: 20 }) status!: JobStatus;
  @JsonColumn({ nullable: true }) metrics!: Record<string, number> | null;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) provider_job_id!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) instance_type!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) region!: string | null;
  /** Whether the current attempt runs on spot capacity. */
  @Column({ type: 'boolean', default: false }) is_spot!: boolean;
  /** Whether the dispatch asked for spot (is_spot turns false after an on-demand fallback). */
  @Column({ type: 'boolean', default: false }) requested_spot!: boolean;
  @Column({ type: 'boolean', default: true }) fallback_to_on_demand!: boolean;
  /** Requested GPUs, handed to the provider on every attempt (count 0: none). */
  @Column({ type: 'varchar', length: 100, nullable: true }) gpu_type!: string | null;
  @Column({ type: 'integer', default: 0 }) gpu_count!: number;
  @Column({ type: 'integer' }) max_runtime_seconds!: number;
  @JsonColumn({ nullable: true }) workload_spec!: Record<string, unknown> | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) project!: string | null;
  @Column({ type: 'varchar', length: 255 }) created_by!: string;
  @Column({ type: 'integer', default: 1 }) attempt!: number;
  @Column({ type: 'integer', default: 0 }) preemption_count!: number;
  @Column({ type: 'integer', default: 0 }) failure_count!: number;
  @Column({ type: 'double precision', nullable: true }) progress!: number | null;
  @Column({ type: 'varchar', length: 3 }) currency!: string;
  /** Cost of every ended attempt (the running one is added when it ends), micros of `currency`. */
  @MicrosColumn({ default: 0 }) cost_micros!: number;
  @MicrosColumn({ nullable: true }) cost_per_hour_micros!: number | null;
  @Column({ type: 'integer', nullable: true }) predicted_duration_p50_seconds!: number | null;
  @Column({ type: 'integer', nullable: true }) predicted_duration_p90_seconds!: number | null;
  @MicrosColumn({ nullable: true }) predicted_cost_p50_micros!: number | null;
  @MicrosColumn({ nullable: true }) predicted_cost_p90_micros!: number | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) prediction_basis!: string | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) artifacts_uri!: string | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) checkpoint_uri!: string | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) model_version_id!: string | null;
  @Column({ type: 'text', nullable: true }) registration_error!: string | null;
  @Column({ type: 'boolean', default: false }) needs_teardown!: boolean;
  @TimestampColumn() created_at!: Date;
  @TimestampColumn({ nullable: true }) started_at!: Date | null;
  @TimestampColumn({ nullable: true }) completed_at!: Date | null;
  @TimestampColumn() updated_at!: Date;
  @TimestampColumn() next_poll_at!: Date;
  @Column({ type: 'varchar', length: 200, nullable: true }) lease_owner!: string | null;
  @TimestampColumn({ nullable: true }) lease_expires_at!: Date | null;
  @BigIntColumn({ default: 0 }) lease_token!: number;
}
