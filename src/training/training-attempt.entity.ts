import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JsonColumn, MicrosColumn, TimestampColumn } from '../database/columns';
import type { ProviderJobHandle } from '../providers/training-provider.port';

export type AttemptStatus =
  'launching' | 'provisioning' | 'running' | 'succeeded' | 'failed' | 'preempted' | 'cancelled' | 'lost';

/** One run of a job on one provider/region/capacity; the provider handle is persisted here. */
@Entity({ name: 'training_attempts' })
export class TrainingAttemptEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;
  @Column({ type: 'varchar', length: 36 }) job_id!: string;
  @Column({ type: 'integer' }) attempt!: number;
  @Column({ type: 'varchar', length: 50 }) provider!: string;
  @Column({ type: 'varchar', length: 100, nullable: true }) region!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) instance_type!: string | null;
  @Column({ type: 'boolean', default: false }) spot!: boolean;
  @Column({ type: 'varchar', length: 20 }) status!: AttemptStatus;
  @JsonColumn({ nullable: true }) handle!: ProviderJobHandle | null;
  @Column({ type: 'varchar', length: 255, nullable: true }) provider_job_id!: string | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) resume_from!: string | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) checkpoint_uri!: string | null;
  @MicrosColumn({ default: 0 }) price_per_hour_micros!: number;
  @Column({ type: 'varchar', length: 3 }) currency!: string;
  @MicrosColumn({ default: 0 }) cost_micros!: number;
  @Column({ type: 'text', nullable: true }) end_reason!: string | null;
  @TimestampColumn() created_at!: Date;
  @TimestampColumn({ nullable: true }) started_at!: Date | null;
  @TimestampColumn({ nullable: true }) ended_at!: Date | null;
}
