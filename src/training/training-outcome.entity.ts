import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JsonColumn, MicrosColumn, TimestampColumn } from '../database/columns';
import type { CollectedArtifact } from '../providers/training-provider.port';

/** One row per job that reached a terminal state: the input of duration prediction. */
@Entity({ name: 'training_outcomes' })
export class TrainingOutcomeEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;
  @Column({ type: 'varchar', length: 36 }) job_id!: string;
  @Column({ type: 'varchar', length: 255 }) service!: string;
  @Column({ type: 'varchar', length: 255 }) model!: string;
  @JsonColumn() workload_spec!: Record<string, unknown>;
  @Column({ type: 'varchar', length: 50 }) provider!: string;
  @Column({ type: 'varchar', length: 100 }) instance_type!: string;
  @Column({ type: 'varchar', length: 100, nullable: true }) region!: string | null;
  @Column({ type: 'boolean', default: false }) is_spot!: boolean;
  @Column({ type: 'varchar', length: 20 }) status!: string;
  @Column({ type: 'boolean' }) success!: boolean;
  @Column({ type: 'integer' }) duration_seconds!: number;
  @Column({ type: 'integer' }) attempts!: number;
  @Column({ type: 'integer' }) preemptions!: number;
  @Column({ type: 'integer' }) failures!: number;
  @MicrosColumn() cost_micros!: number;
  @Column({ type: 'varchar', length: 3 }) currency!: string;
  @Column({ type: 'integer', nullable: true }) predicted_duration_seconds!: number | null;
  @MicrosColumn({ nullable: true }) predicted_cost_micros!: number | null;
  @JsonColumn() metrics!: Record<string, number>;
  @Column({ type: 'varchar', length: 100, nullable: true }) primary_metric_name!: string | null;
  @Column({ type: 'double precision', nullable: true }) primary_metric_value!: number | null;
  @JsonColumn() artifacts!: Array<Omit<CollectedArtifact, 'local_path'>>;
  @Column({ type: 'varchar', length: 255, nullable: true }) model_version_id!: string | null;
  @TimestampColumn() created_at!: Date;
}
