import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import request from 'supertest';
import { createApp, type CreateAppOptions } from '@app/bootstrap/create-app';
import { loadConfig } from '@app/config/config.loader';
import type { AppConfig } from '@app/config/app-config.schema';

/** Which database this e2e run targets: set by scripts/test.js (`sqlite` or `postgres`). */
export const LANE = (process.env.ARTENIC_TEST_DATABASE ?? 'sqlite') as 'sqlite' | 'postgres';
export const ADMIN_URL = process.env.ARTENIC_TEST_POSTGRES_URL ?? '';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  url: string;
  /** supertest bound to the listening server. */
  http: () => ReturnType<typeof request>;
  databaseUrl: string;
  dataDir: string;
  close: () => Promise<void>;
}

/** A fresh, empty PostgreSQL database for one test app; dropped by the returned function. */
export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!ADMIN_URL) throw new Error('ARTENIC_TEST_POSTGRES_URL is not set for the postgres lane');
  const name = `t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface StartOptions extends CreateAppOptions {
  env?: Record<string, string>;
  /** Reuse an existing database (several replicas on one PostgreSQL). */
  databaseUrl?: string;
}

/** Boots the real application (same factory as production) on an ephemeral port and a fresh database. */
export async function startApp(options: StartOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'artenic-test-'));
  let databaseUrl = options.databaseUrl ?? 'sqlite::memory:';
  let drop: (() => Promise<void>) | undefined;
  if (!options.databaseUrl && LANE === 'postgres') {
    const db = await createPgDatabase();
    databaseUrl = db.url;
    drop = db.drop;
  }
  const config = loadConfig({
    ARTENIC_LOG_LEVEL: process.env.ARTENIC_TEST_LOG_LEVEL ?? 'silent',
    ARTENIC_HOST: '127.0.0.1',
    ARTENIC_PORT: '0',
    ARTENIC_DATA_DIR: dataDir,
    ARTENIC_DATABASE_URL: databaseUrl,
    ARTENIC_EVENTS__POLL_INTERVAL_MS: '200',
    ...options.env,
  });
  const app = await createApp(config, options);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  let closed = false;
  return {
    app,
    config,
    url,
    databaseUrl,
    dataDir,
    http: () => request(url),
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await drop?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
