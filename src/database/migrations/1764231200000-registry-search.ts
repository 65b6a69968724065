import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { dialectOf, type Dialect } from '../migration-types';

/*
 * Registry search at 100,000 versions. Filters sort by `created_at DESC, id DESC`, so each filter column gets
 * a composite index ending with (created_at, id): the planner walks it in order and stops after one page.
 * Free text (`q`) matches a substring of `search_text` (name and description, lower-cased by the catalog)
 * through a trigram index: pg_trgm's GIN index on PostgreSQL, an FTS5 trigram table kept in step by
 * triggers on SQLite. The runtime side of this difference is registry/listing/search-dialect.ts.
 */

/** Between name and description in `search_text`, so that a query cannot match across the two. */
const SEARCH_SEPARATOR = '\n';

const FILTER_INDEXES: Array<[old: string, name: string, column: string]> = [
  ['idx_models_stage_created', 'idx_models_stage_created_id', 'stage'],
  ['idx_models_framework_created', 'idx_models_framework_created_id', 'framework'],
  ['idx_models_type_created', 'idx_models_type_created_id', 'model_type'],
];

/** Per-dialect DDL for the trigram text index (up, then down). */
const TEXT_INDEX: Record<Dialect, { up: string[]; down: string[] }> = {
  postgres: {
    up: [
      'CREATE EXTENSION IF NOT EXISTS pg_trgm',
      'CREATE INDEX idx_models_search_trgm ON artenic_models USING gin (search_text gin_trgm_ops)',
    ],
    down: ['DROP INDEX IF EXISTS idx_models_search_trgm'],
  },
  sqlite: {
    up: [
      // Rows are found by model id, not rowid: VACUUM may renumber the rowids of artenic_models (it has no
      // INTEGER PRIMARY KEY). Deleting by an UNINDEXED column scans the table; metadata edits are rare.
      "CREATE VIRTUAL TABLE model_search USING fts5(model_id UNINDEXED, search_text, tokenize='trigram')",
      `CREATE TRIGGER trg_model_search_insert AFTER INSERT ON artenic_models BEGIN
         INSERT INTO model_search(model_id, search_text) VALUES (new.id, new.search_text);
       END`,
      `CREATE TRIGGER trg_model_search_update AFTER UPDATE OF search_text ON artenic_models BEGIN
         DELETE FROM model_search WHERE model_id = old.id;
         INSERT INTO model_search(model_id, search_text) VALUES (new.id, new.search_text);
       END`,
      `CREATE TRIGGER trg_model_search_delete AFTER DELETE ON artenic_models BEGIN
         DELETE FROM model_search WHERE model_id = old.id;
       END`,
      'INSERT INTO model_search(model_id, search_text) SELECT id, search_text FROM artenic_models',
    ],
    down: [
      'DROP TRIGGER IF EXISTS trg_model_search_insert',
      'DROP TRIGGER IF EXISTS trg_model_search_update',
      'DROP TRIGGER IF EXISTS trg_model_search_delete',
      'DROP TABLE IF EXISTS model_search',
    ],
  },
};

export class RegistrySearch1764231200000 implements MigrationInterface {
  name = 'RegistrySearch1764231200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Plain ALTER TABLE (same SQL on both): TypeORM's addColumn rebuilds the whole table on SQLite.
    await queryRunner.query("ALTER TABLE artenic_models ADD COLUMN search_text text NOT NULL DEFAULT ''");
    const param = dialectOf(queryRunner) === 'postgres' ? '$1' : '?';
    await queryRunner.query(
      `UPDATE artenic_models SET search_text = LOWER(name || ${param} || description)`,
      [SEARCH_SEPARATOR],
    );
    for (const [old, name, column] of FILTER_INDEXES) {
      await queryRunner.dropIndex('artenic_models', old);
      await queryRunner.createIndex(
        'artenic_models',
        new TableIndex({ name, columnNames: [column, 'created_at', 'id'] }),
      );
    }
    await queryRunner.createIndex(
      'artenic_models',
      new TableIndex({ name: 'idx_models_service_created_id', columnNames: ['service', 'created_at', 'id'] }),
    );
    for (const sql of TEXT_INDEX[dialectOf(queryRunner)].up) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of TEXT_INDEX[dialectOf(queryRunner)].down) await queryRunner.query(sql);
    await queryRunner.dropIndex('artenic_models', 'idx_models_service_created_id');
    for (const [old, name, column] of FILTER_INDEXES) {
      await queryRunner.dropIndex('artenic_models', name);
      await queryRunner.createIndex(
        'artenic_models',
        new TableIndex({ name: old, columnNames: [column, 'created_at'] }),
      );
    }
    await queryRunner.query('ALTER TABLE artenic_models DROP COLUMN search_text');
  }
}
