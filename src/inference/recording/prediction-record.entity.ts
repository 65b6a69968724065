import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../../database/columns';

/** One answered (or failed) prediction, written in batches by PredictionRecorder. */
@Entity({ name: 'predictions' })
export class PredictionRecordEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 255 })
  service!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  model_id!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  ensemble_id!: string | null;

  @Column({ type: 'integer', nullable: true })
  ensemble_version!: number | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  variant!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ab_test_id!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  subject!: string | null;

  @Column({ type: 'double precision' })
  latency_ms!: number;

  /** Rows answered by the same model call (the latency is that call's). */
  @Column({ type: 'integer' })
  batch_size!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  error_code!: string | null;

  @JsonColumn({ nullable: true })
  inputs!: Record<string, unknown> | null;

  @JsonColumn({ nullable: true })
  outputs!: Record<string, unknown> | null;

  @TimestampColumn()
  created_at!: Date;
}
