import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../migration-types';

/** Runtime settings (secret values sealed), their per-scope version, and the settings audit log. */
export class Settings1764230800000 implements MigrationInterface {
  name = 'Settings1764230800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'config_scopes',
        columns: [
          t.varchar('scope', 50, { isPrimary: true }),
          t.bigint('version', { default: 0 }),
          t.timestamp('updated_at', { defaultNow: true }),
        ],
      }),
    );
    await queryRunner.query(`INSERT INTO config_scopes (scope, version) VALUES ('global', 0)`);
    await queryRunner.createTable(
      new Table({
        name: 'config_settings',
        columns: [
          t.serialPk(),
          t.varchar('scope', 50),
          t.varchar('section', 100),
          t.varchar('key', 100),
          t.text('value'),
          t.bool('encrypted', { default: false }),
          t.varchar('key_id', 32, { isNullable: true }),
          t.timestamp('updated_at', { defaultNow: true }),
          t.varchar('updated_by', 100),
        ],
        uniques: [{ name: 'uq_config_settings_scope_section_key', columnNames: ['scope', 'section', 'key'] }],
        indices: [new TableIndex({ name: 'idx_config_settings_key_id', columnNames: ['key_id'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'config_audit_log',
        columns: [
          t.serialPk(),
          t.varchar('scope', 50),
          t.varchar('section', 100),
          t.varchar('key', 100),
          t.text('old_value', { isNullable: true }),
          t.text('new_value', { isNullable: true }),
          t.bool('secret', { default: false }),
          t.varchar('action', 20),
          t.varchar('changed_by', 100),
          t.timestamp('changed_at', { defaultNow: true }),
        ],
        indices: [
          new TableIndex({ name: 'idx_config_audit_changed_at', columnNames: ['changed_at', 'id'] }),
          new TableIndex({ name: 'idx_config_audit_target', columnNames: ['scope', 'section', 'key'] }),
          new TableIndex({ name: 'idx_config_audit_changed_by', columnNames: ['changed_by'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('config_audit_log');
    await queryRunner.dropTable('config_settings');
    await queryRunner.dropTable('config_scopes');
  }
}
