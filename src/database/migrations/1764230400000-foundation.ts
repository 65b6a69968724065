import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../migration-types';

/** The channel on which PostgreSQL announces committed events to every replica's relay. */
export const EVENTS_CHANNEL = 'artenic_events';

/** The event outbox, durable consumer cursors and idempotency records. */
export class Foundation1764230400000 implements MigrationInterface {
  name = 'Foundation1764230400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'events',
        columns: [
          t.serialPk(),
          t.varchar('topic', 32),
          t.varchar('type', 64),
          t.varchar('subject', 255, { isNullable: true }),
          t.json('data'),
          t.timestamp('created_at', { defaultNow: true }),
        ],
        indices: [
          new TableIndex({ name: 'idx_events_topic_id', columnNames: ['topic', 'id'] }),
          new TableIndex({ name: 'idx_events_created_at', columnNames: ['created_at'] }),
        ],
      }),
    );
    if (t.dialect === 'postgres') {
      // NOTIFY issued inside the writing transaction is delivered at commit: the right moment to wake
      // the relays of every replica. A statement-level trigger means no write path can forget it.
      await queryRunner.query(`
        CREATE FUNCTION artenic_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('${EVENTS_CHANNEL}', ''); RETURN NULL; END $$`);
      await queryRunner.query(`
        CREATE TRIGGER events_notify AFTER INSERT ON events
        FOR EACH STATEMENT EXECUTE FUNCTION artenic_notify_events()`);
    }
    await queryRunner.createTable(
      new Table({
        name: 'event_consumers',
        columns: [
          t.varchar('name', 100, { isPrimary: true }),
          t.bigint('cursor', { default: 0 }),
          t.varchar('lease_owner', 200, { isNullable: true }),
          t.timestamp('lease_expires_at', { isNullable: true }),
          t.bigint('lease_token', { default: 0 }),
          t.timestamp('updated_at', { defaultNow: true }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          t.varchar('scope', 100, { isPrimary: true }),
          t.varchar('key', 255, { isPrimary: true }),
          t.varchar('request_hash', 64),
          t.varchar('resource_id', 255, { isNullable: true }),
          t.timestamp('created_at', { defaultNow: true }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
    await queryRunner.dropTable('event_consumers');
    await queryRunner.dropTable('events');
    if (columnTypes(queryRunner).dialect === 'postgres') {
      await queryRunner.query('DROP FUNCTION IF EXISTS artenic_notify_events()');
    }
  }
}
