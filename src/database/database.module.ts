import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { buildDataSourceOptions } from './data-source-options';
import { parseDatabaseUrl, redactUrl } from './database-url';
import { runMigrations } from './migrate';
import { serializeSqliteUnitsOfWork } from './sqlite-units-of-work';
import { SqlDialect } from './sql-dialect';
import { TransactionRunner } from './transaction-runner';
import { DatabaseProbe } from './database-probe';

const logger = new Logger('Database');

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...buildDataSourceOptions({
          databaseUrl: config.database_url,
          poolSize: config.database_pool_size,
          entities: [],
          applicationName: `artenic:${config.instance_id}`.slice(0, 63),
        }),
        autoLoadEntities: true,
        retryAttempts: 0,
        poolErrorHandler: (error: Error) => logger.warn(`PostgreSQL pool error: ${error.message}`),
      }),
      dataSourceFactory: async (options) => {
        if (!options) throw new Error('missing data source options');
        const dataSource = new DataSource(options);
        try {
          await dataSource.initialize();
          if (dataSource.options.type === 'better-sqlite3') serializeSqliteUnitsOfWork(dataSource);
          await runMigrations(dataSource, logger);
        } catch (error) {
          if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
          throw explainStartupError(error, options);
        }
        logger.log(`Connected (${describe(options)})`);
        return dataSource;
      },
    }),
  ],
  providers: [SqlDialect, TransactionRunner, DatabaseProbe],
  exports: [SqlDialect, TransactionRunner, DatabaseProbe],
})
export class DatabaseModule {}

function describe(options: object): string {
  const o = options as { type?: string; url?: string; database?: string };
  return o.type === 'postgres' ? `postgres ${redactUrl(o.url ?? '')}` : `sqlite ${o.database ?? ''}`;
}

function explainStartupError(error: unknown, options: object): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/SQLITE_BUSY|database is locked/i.test(message)) {
    return new Error(
      `The SQLite database ${(options as { database?: string }).database} is in use by another process. ` +
        'SQLite mode runs one platform process; use PostgreSQL (ARTENIC_DATABASE_URL=postgresql://…) for several.',
    );
  }
  return error instanceof Error ? error : new Error(message);
}

export { parseDatabaseUrl };
