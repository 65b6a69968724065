import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../migration-types';

/** Prediction records, versioned ensembles and ensemble training jobs. */
export class Inference1764230700000 implements MigrationInterface {
  name = 'Inference1764230700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'predictions',
        columns: [
          t.uuidPk(),
          t.varchar('service', 255),
          t.varchar('model_id', 255, { isNullable: true }),
          t.varchar('ensemble_id', 255, { isNullable: true }),
          t.int('ensemble_version', { isNullable: true }),
          t.varchar('variant', 100, { isNullable: true }),
          t.varchar('ab_test_id', 64, { isNullable: true }),
          t.varchar('subject', 255, { isNullable: true }),
          t.double('latency_ms'),
          t.int('batch_size', { default: 1 }),
          t.text('error', { isNullable: true }),
          t.varchar('error_code', 64, { isNullable: true }),
          t.json('inputs', { isNullable: true }),
          t.json('outputs', { isNullable: true }),
          t.timestamp('created_at', { defaultNow: true }),
        ],
        indices: [
          new TableIndex({ name: 'idx_predictions_service_created', columnNames: ['service', 'created_at'] }),
          new TableIndex({ name: 'idx_predictions_model_created', columnNames: ['model_id', 'created_at'] }),
          new TableIndex({
            name: 'idx_predictions_ensemble_created',
            columnNames: ['ensemble_id', 'created_at'],
          }),
          new TableIndex({ name: 'idx_predictions_ab_variant', columnNames: ['ab_test_id', 'variant'] }),
          new TableIndex({ name: 'idx_predictions_created', columnNames: ['created_at'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ensembles',
        columns: [
          t.varchar('id', 255, { isPrimary: true }),
          t.varchar('name', 255),
          t.varchar('service', 255),
          t.text('description', { default: "''" }),
          t.varchar('stage', 32, { default: "'registered'" }),
          t.bool('enabled', { default: true }),
          t.int('version'),
          t.timestamp('created_at', { defaultNow: true }),
          t.timestamp('updated_at', { isNullable: true }),
        ],
        indices: [
          new TableIndex({
            name: 'uq_ensembles_service_name',
            columnNames: ['service', 'name'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_ensembles_stage_service', columnNames: ['stage', 'service'] }),
          new TableIndex({ name: 'idx_ensembles_created', columnNames: ['created_at'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ensemble_versions',
        columns: [
          t.uuidPk(),
          t.varchar('ensemble_id', 255),
          t.int('version'),
          t.json('model_ids'),
          t.varchar('strategy', 32),
          t.json('strategy_config'),
          t.int('timeout_ms'),
          t.int('quorum'),
          t.text('change_reason', { default: "''" }),
          t.varchar('created_by', 255, { isNullable: true }),
          t.timestamp('created_at', { defaultNow: true }),
        ],
        indices: [
          new TableIndex({
            name: 'uq_ensemble_versions',
            columnNames: ['ensemble_id', 'version'],
            isUnique: true,
          }),
        ],
        foreignKeys: [
          { columnNames: ['ensemble_id'], referencedTableName: 'ensembles', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'ensemble_jobs',
        columns: [
          t.uuidPk(),
          t.varchar('ensemble_id', 255),
          t.int('ensemble_version'),
          t.varchar('provider', 64),
          t.json('config'),
          t.json('training_job_ids'),
          t.varchar('status', 32),
          t.int('total_models'),
          t.int('completed_models', { default: 0 }),
          t.int('failed_models', { default: 0 }),
          t.varchar('created_by', 255, { isNullable: true }),
          t.timestamp('created_at', { defaultNow: true }),
          t.timestamp('completed_at', { isNullable: true }),
        ],
        indices: [
          new TableIndex({ name: 'idx_ensemble_jobs_ensemble', columnNames: ['ensemble_id', 'created_at'] }),
        ],
        foreignKeys: [
          { columnNames: ['ensemble_id'], referencedTableName: 'ensembles', referencedColumnNames: ['id'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ensemble_jobs');
    await queryRunner.dropTable('ensemble_versions');
    await queryRunner.dropTable('ensembles');
    await queryRunner.dropTable('predictions');
  }
}
