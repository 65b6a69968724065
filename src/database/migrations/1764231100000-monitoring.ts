import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../migration-types';

/** Model health snapshots (one per model version and check) and the drift reference windows. */
export class Monitoring1764231100000 implements MigrationInterface {
  name = 'Monitoring1764231100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    // No foreign key to model versions: the reference's FK silently dropped every row on PostgreSQL.
    await queryRunner.createTable(
      new Table({
        name: 'model_health',
        columns: [
          t.serialPk(),
          t.varchar('model_id', 255),
          t.varchar('status', 16),
          t.bool('alert_triggered'),
          t.int('sample_count'),
          t.double('request_rate'),
          t.double('error_rate'),
          t.double('latency_p50_ms', { isNullable: true }),
          t.double('latency_p95_ms', { isNullable: true }),
          t.double('latency_p99_ms', { isNullable: true }),
          t.double('drift_score', { isNullable: true }),
          t.json('drift'),
          t.json('reasons'),
          t.timestamp('window_start'),
          t.timestamp('window_end'),
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
        name: 'model_health_references',
        columns: [
          t.varchar('model_id', 255, { isPrimary: true }),
          t.varchar('source', 32),
          t.json('inputs'),
          t.json('outputs'),
          t.int('sample_count'),
          t.timestamp('created_at', { defaultNow: true }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('model_health_references');
    await queryRunner.dropTable('model_health');
  }
}
