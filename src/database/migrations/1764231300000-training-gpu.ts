import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The GPUs a training job asked for, handed to its provider on every attempt. */
export class TrainingGpu1764231300000 implements MigrationInterface {
  name = 'TrainingGpu1764231300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Plain ALTER TABLE (same SQL on both): TypeORM's addColumn rebuilds the whole table on SQLite.
    await queryRunner.query('ALTER TABLE training_jobs ADD COLUMN gpu_type varchar(100) NULL');
    await queryRunner.query('ALTER TABLE training_jobs ADD COLUMN gpu_count integer NOT NULL DEFAULT 0');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE training_jobs DROP COLUMN gpu_count');
    await queryRunner.query('ALTER TABLE training_jobs DROP COLUMN gpu_type');
  }
}
