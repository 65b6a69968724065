import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

/**
 * Who changed which setting, when, from what to what. For a secret, old and new values are stored
 * masked: the audit log records that a secret changed, never the secret.
 */
@Entity({ name: 'config_audit_log' })
export class ConfigAuditEntity {
  @PrimaryGeneratedColumn('increment')
  id!: number | string;

  @Column({ type: 'varchar', length: 50 })
  scope!: string;

  @Column({ type: 'varchar', length: 100 })
  section!: string;

  @Column({ type: 'varchar', length: 100 })
  key!: string;

  @Column({ type: 'text', nullable: true })
  old_value!: string | null;

  @Column({ type: 'text', nullable: true })
  new_value!: string | null;

  @Column({ type: 'boolean' })
  secret!: boolean;

  /** create | update | reencrypt */
  @Column({ type: 'varchar', length: 20 })
  action!: string;

  @Column({ type: 'varchar', length: 100 })
  changed_by!: string;

  @TimestampColumn()
  changed_at!: Date;
}
