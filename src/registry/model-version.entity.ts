import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn, JsonColumn, TimestampColumn } from '../database/columns';
import type { ModelStage, ServingSpec } from './model-registry.port';

export type MlflowSyncState = 'pending' | 'synced' | 'failed';

/** One registered model version (the reference's `artenic_models` row). */
@Entity({ name: 'artenic_models' })
export class ModelVersionEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 50 })
  version!: string;

  @Column({ type: 'varchar', length: 200 })
  service!: string;

  @Column({ type: 'varchar', length: 100 })
  model_type!: string;

  @Column({ type: 'varchar', length: 50 })
  framework!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @JsonColumn()
  tags!: Record<string, string>;

  @JsonColumn()
  input_features!: unknown[];

  @JsonColumn()
  output_schema!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 20, default: 'registered' })
  stage!: ModelStage;

  @JsonColumn({ nullable: true })
  serving!: ServingSpec | null;

  @JsonColumn()
  metrics!: Record<string, number>;

  @Column({ type: 'varchar', length: 64, nullable: true })
  training_job_id!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  mlflow_run_id!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  mlflow_model_uri!: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  mlflow_sync!: MlflowSyncState | null;

  @Column({ type: 'text', nullable: true })
  mlflow_sync_error!: string | null;

  /** The last lifecycle event of this version already mirrored to MLflow (makes the sync exactly-once). */
  @BigIntColumn({ default: 0 })
  mlflow_synced_event_id!: number;

  /** Lower-cased name and description, what free-text search (`q`) matches; see search-dialect.ts. */
  @Column({ type: 'text', default: '', select: false })
  search_text?: string;

  @TimestampColumn()
  created_at!: Date;

  @TimestampColumn({ nullable: true })
  updated_at!: Date | null;
}
