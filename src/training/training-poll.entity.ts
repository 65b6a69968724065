import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn, TimestampColumn } from '../database/columns';

/** One claim of a job by a poller: when it was claimed and given back (audit of lease behaviour). */
@Entity({ name: 'training_polls' })
export class TrainingPollEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ type: 'varchar', length: 36 }) job_id!: string;
  @Column({ type: 'varchar', length: 200 }) lease_owner!: string;
  @BigIntColumn() lease_token!: number;
  @TimestampColumn() claimed_at!: Date;
  @TimestampColumn({ nullable: true }) released_at!: Date | null;
}
