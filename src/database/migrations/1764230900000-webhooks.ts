import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../migration-types';

/** Webhook subscriptions and their persisted, leased deliveries. */
export class Webhooks1764230900000 implements MigrationInterface {
  name = 'Webhooks1764230900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'webhook_subscriptions',
        columns: [
          t.uuidPk(),
          t.varchar('url', 2048),
          t.json('topics'),
          t.json('event_types'),
          t.varchar('description', 500, { isNullable: true }),
          t.text('secret_sealed'),
          t.bool('enabled', { default: true }),
          t.varchar('created_by', 200),
          t.timestamp('created_at', { defaultNow: true }),
        ],
        indices: [new TableIndex({ name: 'idx_webhook_subscriptions_created', columnNames: ['created_at'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          t.uuidPk(),
          t.varchar('subscription_id', 36),
          t.bigint('event_id'),
          t.varchar('topic', 32),
          t.varchar('event_type', 64),
          t.varchar('subject', 255, { isNullable: true }),
          t.text('body'),
          t.varchar('status', 20),
          t.int('attempts', { default: 0 }),
          t.int('max_attempts'),
          t.int('redeliveries', { default: 0 }),
          t.timestamp('next_attempt_at', { defaultNow: true }),
          t.timestamp('last_attempt_at', { isNullable: true }),
          t.int('last_status_code', { isNullable: true }),
          t.text('last_error', { isNullable: true }),
          t.timestamp('delivered_at', { isNullable: true }),
          t.varchar('lease_owner', 200, { isNullable: true }),
          t.timestamp('lease_expires_at', { isNullable: true }),
          t.bigint('lease_token', { default: 0 }),
          t.timestamp('created_at', { defaultNow: true }),
        ],
        uniques: [{ name: 'uq_webhook_deliveries_event', columnNames: ['subscription_id', 'event_id'] }],
        indices: [
          new TableIndex({ name: 'idx_webhook_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({
            name: 'idx_webhook_deliveries_sub',
            columnNames: ['subscription_id', 'created_at'],
          }),
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['subscription_id'],
            referencedTableName: 'webhook_subscriptions',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('webhook_deliveries');
    await queryRunner.dropTable('webhook_subscriptions');
  }
}
