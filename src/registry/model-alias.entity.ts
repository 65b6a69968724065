import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

/** A named, movable pointer (`champion`, `challenger` …) from a model name to one of its versions. */
@Entity({ name: 'model_aliases' })
export class ModelAliasEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  name!: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  alias!: string;

  @Column({ type: 'varchar', length: 255 })
  model_id!: string;

  @Column({ type: 'varchar', length: 50 })
  version!: string;

  @Column({ type: 'varchar', length: 200 })
  updated_by!: string;

  @TimestampColumn()
  updated_at!: Date;
}
