import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../migration-types';

/** Training jobs (leased by the pollers), their attempts, outcomes, claim history and the price catalogue. */
export class Training1764230600000 implements MigrationInterface {
  name = 'Training1764230600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'training_jobs',
        columns: [
          t.uuidPk(),
          t.varchar('service', 255),
          t.varchar('model', 255),
          t.varchar('provider', 50),
          t.json('config'),
          t.varchar('status', 20),
          t.json('metrics', { isNullable: true }),
          t.text('error', { isNullable: true }),
          t.varchar('provider_job_id', 255, { isNullable: true }),
          t.varchar('instance_type', 100, { isNullable: true }),
          t.varchar('region', 100, { isNullable: true }),
          t.bool('is_spot', { default: false }),
          t.bool('requested_spot', { default: false }),
          t.bool('fallback_to_on_demand', { default: true }),
          t.int('max_runtime_seconds'),
          t.json('workload_spec', { isNullable: true }),
          t.varchar('project', 255, { isNullable: true }),
          t.varchar('created_by', 255),
          t.int('attempt', { default: 1 }),
          t.int('preemption_count', { default: 0 }),
          t.int('failure_count', { default: 0 }),
          t.double('progress', { isNullable: true }),
          t.varchar('currency', 3),
          t.bigint('cost_micros', { default: 0 }),
          t.bigint('cost_per_hour_micros', { isNullable: true }),
          t.int('predicted_duration_p50_seconds', { isNullable: true }),
          t.int('predicted_duration_p90_seconds', { isNullable: true }),
          t.bigint('predicted_cost_p50_micros', { isNullable: true }),
          t.bigint('predicted_cost_p90_micros', { isNullable: true }),
          t.varchar('prediction_basis', 32, { isNullable: true }),
          t.varchar('artifacts_uri', 500, { isNullable: true }),
          t.varchar('checkpoint_uri', 500, { isNullable: true }),
          t.varchar('model_version_id', 255, { isNullable: true }),
          t.text('registration_error', { isNullable: true }),
          t.bool('needs_teardown', { default: false }),
          t.timestamp('created_at', { defaultNow: true }),
          t.timestamp('started_at', { isNullable: true }),
          t.timestamp('completed_at', { isNullable: true }),
          t.timestamp('updated_at', { defaultNow: true }),
          t.timestamp('next_poll_at', { defaultNow: true }),
          t.varchar('lease_owner', 200, { isNullable: true }),
          t.timestamp('lease_expires_at', { isNullable: true }),
          t.bigint('lease_token', { default: 0 }),
        ],
        indices: [
          new TableIndex({ name: 'idx_training_jobs_due', columnNames: ['status', 'next_poll_at'] }),
          new TableIndex({ name: 'idx_training_jobs_created', columnNames: ['created_at'] }),
          new TableIndex({ name: 'idx_training_jobs_service', columnNames: ['service', 'created_at'] }),
          new TableIndex({ name: 'idx_training_jobs_provider', columnNames: ['provider', 'created_at'] }),
        ],
      }),
    );
    if (t.dialect === 'postgres') {
      // Claims only touch unindexed lease columns: free space on each page lets PostgreSQL update them in
      // place (HOT) instead of rewriting five index entries per job per tick.
      await queryRunner.query('ALTER TABLE training_jobs SET (fillfactor = 70)');
    }
    await queryRunner.createTable(
      new Table({
        name: 'training_attempts',
        columns: [
          t.serialPk(),
          t.varchar('job_id', 36),
          t.int('attempt'),
          t.varchar('provider', 50),
          t.varchar('region', 100, { isNullable: true }),
          t.varchar('instance_type', 100, { isNullable: true }),
          t.bool('spot', { default: false }),
          t.varchar('status', 20),
          t.json('handle', { isNullable: true }),
          t.varchar('provider_job_id', 255, { isNullable: true }),
          t.varchar('resume_from', 500, { isNullable: true }),
          t.varchar('checkpoint_uri', 500, { isNullable: true }),
          t.bigint('price_per_hour_micros', { default: 0 }),
          t.varchar('currency', 3),
          t.bigint('cost_micros', { default: 0 }),
          t.text('end_reason', { isNullable: true }),
          t.timestamp('created_at', { defaultNow: true }),
          t.timestamp('started_at', { isNullable: true }),
          t.timestamp('ended_at', { isNullable: true }),
        ],
        indices: [
          new TableIndex({
            name: 'uq_training_attempts_job',
            columnNames: ['job_id', 'attempt'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_training_attempts_live', columnNames: ['provider', 'ended_at'] }),
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['job_id'],
            referencedTableName: 'training_jobs',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'training_outcomes',
        columns: [
          t.serialPk(),
          t.varchar('job_id', 36),
          t.varchar('service', 255),
          t.varchar('model', 255),
          t.json('workload_spec'),
          t.varchar('provider', 50),
          t.varchar('instance_type', 100),
          t.varchar('region', 100, { isNullable: true }),
          t.bool('is_spot', { default: false }),
          t.varchar('status', 20),
          t.bool('success'),
          t.int('duration_seconds'),
          t.int('attempts'),
          t.int('preemptions'),
          t.int('failures'),
          t.bigint('cost_micros'),
          t.varchar('currency', 3),
          t.int('predicted_duration_seconds', { isNullable: true }),
          t.bigint('predicted_cost_micros', { isNullable: true }),
          t.json('metrics'),
          t.varchar('primary_metric_name', 100, { isNullable: true }),
          t.double('primary_metric_value', { isNullable: true }),
          t.json('artifacts'),
          t.varchar('model_version_id', 255, { isNullable: true }),
          t.timestamp('created_at', { defaultNow: true }),
        ],
        indices: [
          new TableIndex({ name: 'uq_training_outcomes_job', columnNames: ['job_id'], isUnique: true }),
          new TableIndex({
            name: 'idx_training_outcomes_similar',
            columnNames: ['service', 'model', 'instance_type', 'success'],
          }),
        ],
        foreignKeys: [
          new TableForeignKey({
            columnNames: ['job_id'],
            referencedTableName: 'training_jobs',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'training_polls',
        columns: [
          t.serialPk(),
          t.varchar('job_id', 36),
          t.varchar('lease_owner', 200),
          t.bigint('lease_token'),
          t.timestamp('claimed_at', { defaultNow: true }),
          t.timestamp('released_at', { isNullable: true }),
        ],
        indices: [
          new TableIndex({ name: 'idx_training_polls_job', columnNames: ['job_id', 'lease_token'] }),
          new TableIndex({ name: 'idx_training_polls_claimed', columnNames: ['claimed_at'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'provider_prices',
        columns: [
          t.varchar('provider', 50, { isPrimary: true }),
          t.varchar('instance_type', 100, { isPrimary: true }),
          // '' when the provider prices an instance type the same in every region (a key column cannot be null).
          t.varchar('region', 100, { isPrimary: true }),
          t.varchar('currency', 3),
          t.bigint('on_demand_per_hour_micros'),
          t.bigint('spot_per_hour_micros', { isNullable: true }),
          t.varchar('gpu_type', 100, { isNullable: true }),
          t.int('gpu_count', { default: 0 }),
          t.int('vcpus', { isNullable: true }),
          t.double('memory_gb', { isNullable: true }),
          t.timestamp('fetched_at'),
          t.bool('stale', { default: false }),
          t.varchar('source', 200),
          t.timestamp('updated_at', { defaultNow: true }),
        ],
      }),
    );
    // The local provider's concurrency slots: counted in the database, so a restart does not forget them.
    await queryRunner.createTable(
      new Table({
        name: 'local_job_slots',
        columns: [
          t.varchar('job_id', 36, { isPrimary: true }),
          t.int('attempt', { isPrimary: true }),
          t.varchar('host', 255),
          t.timestamp('acquired_at', { defaultNow: true }),
        ],
        indices: [new TableIndex({ name: 'idx_local_job_slots_host', columnNames: ['host'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('local_job_slots');
    await queryRunner.dropTable('provider_prices');
    await queryRunner.dropTable('training_polls');
    await queryRunner.dropTable('training_outcomes');
    await queryRunner.dropTable('training_attempts');
    await queryRunner.dropTable('training_jobs');
  }
}
