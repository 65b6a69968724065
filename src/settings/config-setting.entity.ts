import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn, TimestampColumn } from '../database/columns';

/** One stored override of a setting. Secret values are sealed by SecretBox (`value` is the token). */
@Entity({ name: 'config_settings' })
export class ConfigSettingEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number | string;

  @Column({ type: 'varchar', length: 50 })
  scope!: string;

  @Column({ type: 'varchar', length: 100 })
  section!: string;

  @Column({ type: 'varchar', length: 100 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;

  @Column({ type: 'boolean' })
  encrypted!: boolean;

  /** The key ring id that sealed `value` (null for plain values): what rotation looks for. */
  @Column({ type: 'varchar', length: 32, nullable: true })
  key_id!: string | null;

  @TimestampColumn()
  updated_at!: Date;

  @Column({ type: 'varchar', length: 100 })
  updated_by!: string;
}

/** One row per scope; its version is bumped (and the row locked) by every write to the scope. */
@Entity({ name: 'config_scopes' })
export class ConfigScopeEntity {
  @Column({ type: 'varchar', length: 50, primary: true })
  scope!: string;

  @BigIntColumn()
  version!: number;

  @TimestampColumn()
  updated_at!: Date;
}
