import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** An arbitrary constant naming the migration advisory lock on PostgreSQL. */
const MIGRATION_LOCK_KEY = 7_342_001;

/**
 * Applies pending migrations. On PostgreSQL, replicas starting together serialise on an advisory lock,
 * so exactly one applies each migration and the others find it done.
 */
export async function runMigrations(
  dataSource: DataSource,
  logger = new Logger('Migrations'),
): Promise<void> {
  const apply = async () => {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length > 0) {
      logger.log(`Applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`);
    }
  };
  if (dataSource.options.type !== 'postgres') return apply();
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await apply();
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
