import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A version's tags, one row each, so that `tag=key=value` filters are index lookups. */
@Entity({ name: 'model_tags' })
export class ModelTagEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  model_id!: string;

  @PrimaryColumn({ type: 'varchar', length: 100 })
  tag_key!: string;

  @Column({ type: 'varchar', length: 255 })
  tag_value!: string;
}
