import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { Database } from 'better-sqlite3';
import { parseDatabaseUrl } from './database-url';
import { ALL_MIGRATIONS } from './migrations';

export interface DataSourceBuildOptions {
  databaseUrl: string;
  poolSize: number;
  entities: DataSourceOptions['entities'];
  applicationName?: string;
}

/** TypeORM options for either database; migrations are run by MigrationRunner, never `synchronize`. */
export function buildDataSourceOptions(options: DataSourceBuildOptions): DataSourceOptions {
  const target = parseDatabaseUrl(options.databaseUrl);
  const common = {
    entities: options.entities,
    migrations: ALL_MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  } as const;
  if (target.kind === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: target.url,
      applicationName: options.applicationName ?? 'artenic-ai-platform',
      poolSize: options.poolSize,
      connectTimeoutMS: 3000,
      extra: {
        // A dead server must fail queries fast (readiness answers 503) rather than hang them.
        connectionTimeoutMillis: 3000,
        idleTimeoutMillis: 30000,
        query_timeout: 30000,
        keepAlive: true,
      },
    };
  }
  if (!target.inMemory) mkdirSync(dirname(target.file), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: target.file,
    prepareDatabase: (db: Database) => {
      db.pragma('foreign_keys = ON');
      if (!target.inMemory) {
        // SQLite mode is one process: take the file's lock at once and keep it until exit, so that a
        // second platform process on the same file fails at start (at once, not after a busy wait)
        // instead of interleaving with this one's leases.
        db.pragma('busy_timeout = 0');
        db.pragma('locking_mode = EXCLUSIVE');
        db.pragma('journal_mode = WAL');
        db.exec('BEGIN EXCLUSIVE; COMMIT;');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('busy_timeout = 5000');
    },
  };
}
