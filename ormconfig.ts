/* The TypeORM CLI's data source (`npm run migration:run`), built from the same configuration as the app. */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/config.loader';
import { buildDataSourceOptions } from './src/database/data-source-options';

const config = loadConfig();

export default new DataSource(
  buildDataSourceOptions({
    databaseUrl: config.database_url,
    poolSize: 2,
    entities: [`${__dirname}/src/**/*.entity.{ts,js}`],
  }),
);
