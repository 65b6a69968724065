import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ensemble and A/B indexes of `predictions` cover only the rows they can match. Most predictions come
 * from a plain model version outside any test: indexing their NULL ensemble and test ids cost two B-tree
 * inserts per recorded call (about a sixth of recording) for entries no query reads. Queries filter on
 * `ensemble_id = ?` or `ab_test_id = ?`, which both databases know imply IS NOT NULL, so they keep using the
 * indexes. Same SQL on both dialects.
 */
export class PredictionPartialIndexes1764231400000 implements MigrationInterface {
  name = 'PredictionPartialIndexes1764231400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX IF EXISTS idx_predictions_ensemble_created');
    await queryRunner.query('DROP INDEX IF EXISTS idx_predictions_ab_variant');
    await queryRunner.query(
      'CREATE INDEX idx_predictions_ensemble_created ON predictions (ensemble_id, created_at) WHERE ensemble_id IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE INDEX idx_predictions_ab_variant ON predictions (ab_test_id, variant) WHERE ab_test_id IS NOT NULL',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX IF EXISTS idx_predictions_ensemble_created');
    await queryRunner.query('DROP INDEX IF EXISTS idx_predictions_ab_variant');
    await queryRunner.query(
      'CREATE INDEX idx_predictions_ensemble_created ON predictions (ensemble_id, created_at)',
    );
    await queryRunner.query('CREATE INDEX idx_predictions_ab_variant ON predictions (ab_test_id, variant)');
  }
}
