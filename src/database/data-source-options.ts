import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { Database } from 'better-sqlite3';
import { parseDatabaseUrl } from './database-url';
import { ALL_MIGRATIONS } from './migrations';
import { holdSqliteInstanceLock } from './sqlite-instance-lock';

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
        // SQLite mode is one process: a second platform process on the same file fails at start (at
        // once, not after a busy wait) instead of interleaving with this one's leases. The lock is
        // released with this connection.
        const release = holdSqliteInstanceLock(target.file);
        const close = db.close.bind(db);
        db.close = () => {
          try {
            return close();
          } finally {
            release();
          }
        };
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('busy_timeout = 5000');
    },
  };
}
