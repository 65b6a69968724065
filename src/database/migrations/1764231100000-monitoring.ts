import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../migration-types';

/** Model health snapshots, and the monitoring state of each model version (status, drift reference). */
export class Monitoring1764231100000 implements MigrationInterface {
  name = 'Monitoring1764231100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    // No foreign key to model versions: the reference's FK made every insert fail silently on PostgreSQL.
    await queryRunner.createTable(
      new Table({
        name: 'model_health',
        columns: [
          t.serialPk(),
          t.varchar('model_id', 255),
          t.varchar('metric_name', 100),
          t.double('metric_value'),
          t.double('drift_score', { isNullable: true }),
          t.bool('alert_triggered', { default: false }),
          t.int('sample_count', { default: 0 }),
          t.timestamp('window_start', { isNullable: true }),
          t.timestamp('window_end', { isNullable: true }),
          t.varchar('status', 16),
          t.json('alerts'),
          t.int('calls', { default: 0 }),
          t.double('request_rate'),
          t.double('error_rate'),
          t.double('latency_p50_ms', { isNullable: true }),
          t.double('latency_p95_ms', { isNullable: true }),
          t.double('latency_p99_ms', { isNullable: true }),
          t.json('drift', { isNullable: true }),
          t.timestamp('created_at', { defaultNow: true }),
        ],
        indices: [
          new TableIndex({ name: 'idx_model_health_model_created', columnNames: ['model_id', 'created_at'] }),
          new TableIndex({ name: 'idx_model_health_created', columnNames: ['created_at'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'model_monitors',
        columns: [
          t.varchar('model_id', 255, { isPrimary: true }),
          t.varchar('status', 16, { default: "'healthy'" }),
          t.json('alerts'),
          t.timestamp('evaluated_at', { isNullable: true }),
          t.timestamp('promoted_at', { isNullable: true }),
          t.varchar('reference_source', 16, { isNullable: true }),
          t.json('reference', { isNullable: true }),
          t.timestamp('reference_end_at', { isNullable: true }),
          t.varchar('reference_end_id', 36, { isNullable: true }),
          t.int('revision', { default: 0 }),
          t.timestamp('updated_at', { defaultNow: true }),
        ],
        indices: [new TableIndex({ name: 'idx_model_monitors_status', columnNames: ['status'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('model_monitors');
    await queryRunner.dropTable('model_health');
  }
}
