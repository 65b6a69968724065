import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

/** The ensemble's identity and mutable presentation; its behaviour lives in immutable versions. */
@Entity({ name: 'ensembles' })
export class EnsembleEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 }) id!: string;
  @Column({ type: 'varchar', length: 255 }) name!: string;
  @Column({ type: 'varchar', length: 255 }) service!: string;
  @Column({ type: 'text' }) description!: string;
  /** `production`: the ensemble answers its service's predict calls. */
  @Column({ type: 'varchar', length: 32 }) stage!: string;
  @Column({ type: 'boolean' }) enabled!: boolean;
  /** The current version (the highest). */
  @Column({ type: 'integer' }) version!: number;
  @TimestampColumn() created_at!: Date;
  @TimestampColumn({ nullable: true }) updated_at!: Date | null;
}

/** One immutable configuration: exact member versions, strategy, deadline, quorum. */
@Entity({ name: 'ensemble_versions' })
export class EnsembleVersionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 255 }) ensemble_id!: string;
  @Column({ type: 'integer' }) version!: number;
  @JsonColumn() model_ids!: string[];
  @Column({ type: 'varchar', length: 32 }) strategy!: string;
  @JsonColumn() strategy_config!: Record<string, unknown>;
  @Column({ type: 'integer' }) timeout_ms!: number;
  @Column({ type: 'integer' }) quorum!: number;
  @Column({ type: 'text' }) change_reason!: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) created_by!: string | null;
  @TimestampColumn() created_at!: Date;
}

/** One `train` request: a training job per member, with the aggregate status. */
@Entity({ name: 'ensemble_jobs' })
export class EnsembleJobEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 }) id!: string;
  @Column({ type: 'varchar', length: 255 }) ensemble_id!: string;
  @Column({ type: 'integer' }) ensemble_version!: number;
  @Column({ type: 'varchar', length: 64 }) provider!: string;
  @JsonColumn() config!: Record<string, unknown>;
  @JsonColumn() training_job_ids!: string[];
  @Column({ type: 'varchar', length: 32 }) status!: string;
  @Column({ type: 'integer' }) total_models!: number;
  @Column({ type: 'integer' }) completed_models!: number;
  @Column({ type: 'integer' }) failed_models!: number;
  @Column({ type: 'varchar', length: 255, nullable: true }) created_by!: string | null;
  @TimestampColumn() created_at!: Date;
  @TimestampColumn({ nullable: true }) completed_at!: Date | null;
}
