'use strict';
/* global URL, setTimeout */
/*
 * One training poller tick over 10,000 running mock jobs on PostgreSQL: how long it takes and how many
 * SQL statements it sends (batched claims and releases, not one query per job). Needs a build:
 *   npm run build && node bench/training-poller.js [postgresql://admin-url] [jobs]
 * The admin URL defaults to ARTENIC_BENCH_POSTGRES_URL, then postgresql://postgres@127.0.0.1:55432/postgres;
 * a throw-away database is created and dropped.
 */
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const pg = require('pg');

const ADMIN_URL = process.argv[2] || process.env.ARTENIC_BENCH_POSTGRES_URL || 'postgresql://postgres@127.0.0.1:55432/postgres';
const JOBS = Number(process.argv[3] || 10_000);
const dist = (path) => require(join(__dirname, '..', 'dist', path));

async function withAdmin(sql) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Running mock jobs with a persisted handle, due now, that stay running for an hour. */
async function seed(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const mock = { duration_seconds: 3600 };
  await client.query(
    `INSERT INTO training_jobs (id, service, model, provider, config, status, instance_type, is_spot, requested_spot,
        fallback_to_on_demand, max_runtime_seconds, created_by, attempt, currency, cost_micros, cost_per_hour_micros,
        provider_job_id, started_at, next_poll_at, created_at, updated_at)
     SELECT gen_random_uuid()::text, 'bench', 'model-' || (g % 10), 'mock', $1::jsonb, 'running', 'mock-cpu-small', false, false,
        true, 86400, 'bench', 1, 'EUR', 0, 10000, 'mock-' || g, now(), now() - interval '1 second', now(), now()
       FROM generate_series(1, $2) AS g`,
    [JSON.stringify({ mock }), JOBS],
  );
  await client.query(
    `INSERT INTO training_attempts (job_id, attempt, provider, instance_type, spot, status, handle, provider_job_id,
        price_per_hour_micros, currency, cost_micros, started_at, created_at)
     SELECT j.id, 1, 'mock', 'mock-cpu-small', false, 'running',
        jsonb_build_object('job_id', j.id, 'attempt', 1, 'provider_job_id', j.provider_job_id, 'region', null,
          'instance_type', 'mock-cpu-small', 'spot', false,
          'state', jsonb_build_object('settings', jsonb_build_object('duration_seconds', 3600, 'provision_seconds', 0,
            'fail_at_seconds', null, 'preempt_at_seconds', null, 'preempt_attempts', null, 'provision_error', null,
            'metrics', '{}'::jsonb, 'files', '{}'::jsonb),
            'provisioned_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'started_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'resume_from', null)),
        j.provider_job_id, 10000, 'EUR', 0, now(), now()
       FROM training_jobs j`,
  );
  await client.query('ANALYZE training_jobs; ANALYZE training_attempts');
  await client.end();
}

async function main() {
  const name = `bench_training_${Date.now().toString(36)}`;
  await withAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'artenic-bench-'));
  let app;
  try {
    const config = dist('config/config.loader').loadConfig({
      ARTENIC_DATABASE_URL: url.toString(),
      ARTENIC_DATA_DIR: dataDir,
      ARTENIC_LOG_LEVEL: 'error',
      ARTENIC_TRAINING__POLL_INTERVAL_MS: '3600000',
      ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '30',
      ...(process.env.BATCH ? { ARTENIC_TRAINING__POLL_BATCH_SIZE: process.env.BATCH } : {}),
      ...(process.env.NOHIST ? { ARTENIC_TRAINING__POLL_HISTORY_RETENTION_HOURS: '0' } : {}),
    });
    app = await dist('bootstrap/create-app').createApp(config);
    await app.init();
    await seed(url.toString());
    const poller = app.get(dist('training/training-poller').TrainingPoller);
    await new Promise((r) => setTimeout(r, 500)); // let start-up ticks settle

    let queries = 0;
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function countingQuery(...args) {
      queries += 1;
      return original.apply(this, args);
    };
    const started = process.hrtime.bigint();
    const polled = await poller.tick();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    pg.Client.prototype.query = original;
    console.log(
      `training poller tick over ${JOBS} running mock jobs (PostgreSQL): ${polled} polled in ${ms.toFixed(0)} ms, ` +
        `${queries} SQL statements (target < 2000 ms: ${ms < 2000 && polled === JOBS ? 'PASS' : 'FAIL'})`,
    );
  } finally {
    if (app) await app.close();
    await withAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
