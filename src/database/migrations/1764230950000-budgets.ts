import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../migration-types';

/** Budgets, their alerts, the spend ledger and admission reservations. */
export class Budgets1764230950000 implements MigrationInterface {
  name = 'Budgets1764230950000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    const budgetFk = new TableForeignKey({
      columnNames: ['budget_id'],
      referencedTableName: 'budgets',
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    });
    await queryRunner.createTable(
      new Table({
        name: 'budgets',
        columns: [
          t.serialPk(),
          t.varchar('scope', 20),
          t.varchar('scope_value', 255),
          t.varchar('period', 20),
          t.bigint('limit_micros'),
          t.varchar('currency', 3),
          t.json('alert_thresholds'),
          t.varchar('enforcement', 10, { isNullable: true }),
          t.double('stop_admission_pct', { default: 100 }),
          t.bool('cancel_running_at_limit', { default: true }),
          t.bool('enabled', { default: true }),
          t.varchar('description', 500, { isNullable: true }),
          t.int('lock_version', { default: 0 }),
          t.varchar('created_by', 200),
          t.timestamp('created_at', { defaultNow: true }),
          t.timestamp('updated_at', { defaultNow: true }),
        ],
        indices: [new TableIndex({ name: 'idx_budgets_scope', columnNames: ['scope', 'scope_value'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'budget_alerts',
        columns: [
          t.serialPk(),
          t.int('budget_id'),
          t.varchar('alert_type', 50),
          t.double('threshold_pct'),
          t.timestamp('period_start'),
          t.bigint('spent_micros'),
          t.bigint('limit_micros'),
          t.varchar('currency', 3),
          t.double('pct_used'),
          t.text('message'),
          t.bool('webhook_sent', { default: false }),
          t.timestamp('created_at', { defaultNow: true }),
        ],
        uniques: [
          {
            name: 'uq_budget_alerts_once',
            columnNames: ['budget_id', 'alert_type', 'threshold_pct', 'period_start'],
          },
        ],
        indices: [
          new TableIndex({ name: 'idx_budget_alerts_budget', columnNames: ['budget_id', 'created_at'] }),
        ],
        foreignKeys: [budgetFk],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'budget_spend',
        columns: [
          t.serialPk(),
          t.varchar('dedup_key', 200, { isUnique: true }),
          t.varchar('kind', 20),
          t.varchar('job_id', 36),
          t.int('attempt'),
          t.varchar('service', 255),
          t.varchar('provider', 50),
          t.varchar('project', 255, { isNullable: true }),
          t.varchar('username', 200),
          t.bigint('amount_micros'),
          t.varchar('currency', 3),
          t.timestamp('metered_from', { isNullable: true }),
          t.timestamp('occurred_at'),
          t.timestamp('created_at', { defaultNow: true }),
        ],
        indices: [
          new TableIndex({ name: 'idx_budget_spend_occurred', columnNames: ['occurred_at'] }),
          new TableIndex({ name: 'idx_budget_spend_job', columnNames: ['job_id', 'attempt'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'budget_reservations',
        columns: [
          t.serialPk(),
          t.int('budget_id'),
          t.varchar('job_id', 36),
          t.bigint('amount_micros'),
          t.varchar('currency', 3),
          t.varchar('status', 10),
          t.timestamp('created_at', { defaultNow: true }),
          t.timestamp('closed_at', { isNullable: true }),
        ],
        uniques: [{ name: 'uq_budget_reservations_job', columnNames: ['budget_id', 'job_id'] }],
        indices: [
          new TableIndex({ name: 'idx_budget_reservations_open', columnNames: ['budget_id', 'status'] }),
          new TableIndex({ name: 'idx_budget_reservations_job', columnNames: ['job_id'] }),
        ],
        foreignKeys: [budgetFk.clone()],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('budget_reservations');
    await queryRunner.dropTable('budget_spend');
    await queryRunner.dropTable('budget_alerts');
    await queryRunner.dropTable('budgets');
  }
}
