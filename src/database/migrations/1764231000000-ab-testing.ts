import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../migration-types';

/** A/B tests and the business outcomes clients report for them. */
export class AbTesting1764231000000 implements MigrationInterface {
  name = 'AbTesting1764231000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'ab_tests',
        columns: [
          t.uuidPk(),
          t.varchar('name', 255),
          t.varchar('service', 255),
          t.varchar('status', 16),
          t.json('variants'),
          t.varchar('control', 100),
          t.varchar('primary_metric', 100),
          t.varchar('metric_direction', 16),
          t.json('guardrails'),
          t.double('significance_level'),
          t.int('min_samples'),
          t.double('expected_effect_size'),
          t.bool('auto_conclude'),
          t.bool('auto_promote'),
          t.varchar('promote_alias', 100, { isNullable: true }),
          t.varchar('winner', 100, { isNullable: true }),
          t.text('conclusion_reason'),
          t.json('promotion', { isNullable: true }),
          t.varchar('created_by', 255),
          t.varchar('concluded_by', 255, { isNullable: true }),
          t.timestamp('created_at', { defaultNow: true }),
          t.timestamp('updated_at', { defaultNow: true }),
          t.timestamp('concluded_at', { isNullable: true }),
        ],
        indices: [
          new TableIndex({ name: 'idx_ab_tests_service_status', columnNames: ['service', 'status'] }),
          new TableIndex({ name: 'idx_ab_tests_status', columnNames: ['status'] }),
          new TableIndex({ name: 'idx_ab_tests_created_at', columnNames: ['created_at'] }),
          // At most one live (running or paused) test per service, whatever the races between replicas.
          new TableIndex({
            name: 'uq_ab_tests_live_service',
            columnNames: ['service'],
            isUnique: true,
            where: "status IN ('running', 'paused', 'concluding')",
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ab_test_metrics',
        columns: [
          t.serialPk(),
          t.varchar('test_id', 36),
          t.varchar('variant', 100),
          t.varchar('metric_name', 100),
          t.double('value'),
          t.varchar('prediction_id', 64, { isNullable: true }),
          t.timestamp('created_at', { defaultNow: true }),
        ],
        foreignKeys: [
          {
            columnNames: ['test_id'],
            referencedTableName: 'ab_tests',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
        indices: [
          new TableIndex({
            name: 'idx_ab_metrics_test_metric',
            columnNames: ['test_id', 'metric_name', 'variant'],
          }),
          // One outcome per prediction and metric: a client retrying its report does not double-count.
          new TableIndex({
            name: 'uq_ab_metrics_prediction',
            columnNames: ['test_id', 'metric_name', 'prediction_id'],
            isUnique: true,
          }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ab_test_metrics');
    await queryRunner.dropTable('ab_tests');
  }
}
