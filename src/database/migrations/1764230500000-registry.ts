import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { columnTypes } from '../migration-types';

/**
 * Model registry: versions (the reference's `artenic_models`, plus service, serving spec, metrics and MLflow
 * sync state), their tags (a row per tag so `tag=key=value` filters use an index), aliases, the append-only
 * promotion ledger and artifact records. Indexes follow the list filters and the sort order.
 */
export class Registry1764230500000 implements MigrationInterface {
  name = 'Registry1764230500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'artenic_models',
        columns: [
          t.varchar('id', 255, { isPrimary: true }),
          t.varchar('name', 200),
          t.varchar('version', 50),
          t.varchar('service', 200),
          t.varchar('model_type', 100),
          t.varchar('framework', 50),
          t.text('description', { default: "''" }),
          t.json('tags'),
          t.json('input_features'),
          t.json('output_schema'),
          t.varchar('stage', 20, { default: "'registered'" }),
          t.json('serving', { isNullable: true }),
          t.json('metrics'),
          t.varchar('training_job_id', 64, { isNullable: true }),
          t.varchar('mlflow_run_id', 255, { isNullable: true }),
          t.varchar('mlflow_model_uri', 500, { isNullable: true }),
          t.varchar('mlflow_sync', 16, { isNullable: true }),
          t.text('mlflow_sync_error', { isNullable: true }),
          t.bigint('mlflow_synced_event_id', { default: 0 }),
          t.timestamp('created_at', { defaultNow: true }),
          t.timestamp('updated_at', { isNullable: true }),
        ],
        indices: [
          new TableIndex({
            name: 'uq_models_name_version',
            columnNames: ['name', 'version'],
            isUnique: true,
          }),
          new TableIndex({ name: 'idx_models_name_created', columnNames: ['name', 'created_at'] }),
          new TableIndex({ name: 'idx_models_stage_created', columnNames: ['stage', 'created_at'] }),
          new TableIndex({ name: 'idx_models_framework_created', columnNames: ['framework', 'created_at'] }),
          new TableIndex({ name: 'idx_models_type_created', columnNames: ['model_type', 'created_at'] }),
          new TableIndex({ name: 'idx_models_created', columnNames: ['created_at', 'id'] }),
          new TableIndex({ name: 'idx_models_service_stage', columnNames: ['service', 'stage'] }),
          // At most one production version per name, even under concurrent promotions.
          new TableIndex({
            name: 'uq_models_one_production',
            columnNames: ['name'],
            isUnique: true,
            where: "stage = 'production'",
          }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'model_tags',
        columns: [
          t.varchar('model_id', 255, { isPrimary: true }),
          t.varchar('tag_key', 100, { isPrimary: true }),
          t.varchar('tag_value', 255),
        ],
        indices: [
          new TableIndex({ name: 'idx_model_tags_kv', columnNames: ['tag_key', 'tag_value', 'model_id'] }),
        ],
        foreignKeys: [
          {
            columnNames: ['model_id'],
            referencedTableName: 'artenic_models',
            referencedColumnNames: ['id'],
            onDelete: 'CASCADE',
          },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'model_aliases',
        columns: [
          t.varchar('name', 200, { isPrimary: true }),
          t.varchar('alias', 100, { isPrimary: true }),
          t.varchar('model_id', 255),
          t.varchar('version', 50),
          t.varchar('updated_by', 200),
          t.timestamp('updated_at', { defaultNow: true }),
        ],
        indices: [new TableIndex({ name: 'idx_model_aliases_model', columnNames: ['model_id'] })],
        foreignKeys: [
          { columnNames: ['model_id'], referencedTableName: 'artenic_models', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'promotions',
        columns: [
          t.serialPk(),
          t.varchar('model_id', 255),
          t.varchar('name', 200),
          t.varchar('version', 50),
          t.varchar('action', 20),
          t.varchar('from_stage', 20, { isNullable: true }),
          t.varchar('to_stage', 20, { isNullable: true }),
          t.varchar('alias', 100, { isNullable: true }),
          t.varchar('previous_model_id', 255, { isNullable: true }),
          t.varchar('actor', 200),
          t.text('reason', { default: "''" }),
          t.bool('forced', { default: false }),
          t.json('referenced_by', { isNullable: true }),
          t.timestamp('promoted_at'),
        ],
        indices: [
          new TableIndex({ name: 'idx_promotions_model', columnNames: ['model_id', 'id'] }),
          new TableIndex({ name: 'idx_promotions_name_at', columnNames: ['name', 'promoted_at', 'id'] }),
          new TableIndex({ name: 'idx_promotions_alias_at', columnNames: ['name', 'alias', 'promoted_at'] }),
        ],
        foreignKeys: [
          { columnNames: ['model_id'], referencedTableName: 'artenic_models', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'model_artifacts',
        columns: [
          t.varchar('model_id', 255, { isPrimary: true }),
          t.varchar('path', 500, { isPrimary: true }),
          t.bigint('size_bytes'),
          t.varchar('sha256', 64),
          t.varchar('storage_key', 1000),
          t.varchar('uploaded_by', 200),
          t.timestamp('created_at', { defaultNow: true }),
        ],
        foreignKeys: [
          { columnNames: ['model_id'], referencedTableName: 'artenic_models', referencedColumnNames: ['id'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['model_artifacts', 'promotions', 'model_aliases', 'model_tags', 'artenic_models']) {
      await queryRunner.dropTable(table);
    }
  }
}
