import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn, TimestampColumn } from '../database/columns';

/** One stored artifact file of a version, with the size and digest verified at upload. */
@Entity({ name: 'model_artifacts' })
export class ModelArtifactEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  model_id!: string;

  @PrimaryColumn({ type: 'varchar', length: 500 })
  path!: string;

  @BigIntColumn()
  size_bytes!: number;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ type: 'varchar', length: 1000 })
  storage_key!: string;

  @Column({ type: 'varchar', length: 200 })
  uploaded_by!: string;

  @TimestampColumn()
  created_at!: Date;
}
