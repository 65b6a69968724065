'use strict';
/*
 * `npm run bench`: every figure next to a baseline measured in the same run on the same machine, as a
 * ratio. Scenarios: `node bench/run.js [health] [startup] [models] [search] [predict] …` (default: all).
 */
const { mkdtempSync, readFileSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { startPlatform, startScript, compare, rssMb, median, load } = require('./lib');
const { writeLogisticRegression } = require('../examples/lib/onnx-writer');

async function api(base, method, path, body, contentType = 'application/json') {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': contentType },
    body: body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : body,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

/** Registers, uploads and promotes a 4-feature logistic regression serving `service`. */
async function servedOnnxModel(platform, service) {
  const dir = mkdtempSync(join(tmpdir(), 'artenic-bench-model-'));
  const file = join(dir, 'model.onnx');
  writeLogisticRegression({ weights: [0.8, -1.2, 0.5, 2.0], bias: -0.3, path: file });
  const reg = await api(platform.url, 'POST', '/api/v1/models', {
    name: service,
    version: '1',
    model_type: 'classifier',
    framework: 'onnx',
    service,
    serving: { runtime: 'onnx', artifact: 'model.onnx' },
  });
  await api(
    platform.url,
    'PUT',
    `/api/v1/models/${reg.model_id}/artifacts/model.onnx`,
    readFileSync(file),
    'application/octet-stream',
  );
  await api(platform.url, 'POST', `/api/v1/models/${reg.model_id}/promote`, { version: '1' });
  return file;
}

const ROW = { input: [0.5, 1.0, -0.2, 0.3] };

/*
 * Search seeding: 10,000 names × 10 versions (100,000 rows) and 2 tags each, written straight into a
 * database migrated by the platform's own migrations, in multi-row INSERTs (not 100,000 HTTP calls).
 */
const DOMAINS = ['fraud', 'churn', 'credit', 'vision', 'speech', 'ranking', 'pricing', 'forecast'];
const FRAMEWORKS = ['pytorch', 'sklearn', 'onnx', 'xgboost'];
const STAGES = [
  'archived',
  'archived',
  'archived',
  'archived',
  'registered',
  'registered',
  'registered',
  'registered',
  'staging',
  'production',
];

function searchRows(names, versions) {
  const models = [];
  const tags = [];
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  for (let n = 0; n < names; n += 1) {
    const domain = DOMAINS[n % DOMAINS.length];
    const name = `${domain}-model-${String(n).padStart(5, '0')}`;
    const description = `${domain} scoring model number ${n} owned by team t${n % 20}`;
    for (let v = 1; v <= versions; v += 1) {
      const id = `${name}_v${v}`;
      const at = new Date(t0 + (v * names + n) * 1000).toISOString();
      models.push([
        id,
        name,
        String(v),
        name,
        n % 3 ? 'classifier' : 'regressor',
        FRAMEWORKS[n % 4],
        description,
        JSON.stringify({ team: `t${n % 20}`, dataset: `d${v}` }),
        '[]',
        '{}',
        STAGES[v - 1],
        '{}',
        at,
        `${name}\n${description}`.toLowerCase(),
      ]);
      tags.push([id, 'team', `t${n % 20}`], [id, 'dataset', `d${v}`]);
    }
  }
  return { models, tags };
}

async function seedSearch(databaseUrl, names, versions) {
  const { buildDataSourceOptions } = require('../dist/database/data-source-options');
  const { DataSource } = require('typeorm');
  const ds = new DataSource(buildDataSourceOptions({ databaseUrl, poolSize: 2, entities: [] }));
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    const pg = ds.options.type === 'postgres';
    const insert = async (table, columns, rows) => {
      for (let i = 0; i < rows.length; i += 1000) {
        const batch = rows.slice(i, i + 1000);
        let k = 0;
        const values = batch.map((r) => `(${r.map(() => (pg ? `$${++k}` : '?')).join(', ')})`).join(', ');
        await ds.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}`, batch.flat());
      }
    };
    const { models, tags } = searchRows(names, versions);
    await insert(
      'artenic_models',
      [
        'id',
        'name',
        'version',
        'service',
        'model_type',
        'framework',
        'description',
        'tags',
        'input_features',
        'output_schema',
        'stage',
        'metrics',
        'created_at',
        'search_text',
      ],
      models,
    );
    await insert('model_tags', ['model_id', 'tag_key', 'tag_value'], tags);
    // Fresh statistics, as a database that grew to this size would have (autovacuum / optimize).
    await ds.query('ANALYZE');
  } finally {
    await ds.destroy();
  }
}

/** p95 of `count` sequential GETs of `url` (after a warm-up), in ms. */
async function pgAdmin(url, sql) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function p95Of(url, count = 200) {
  const times = [];
  for (let i = 0; i < count + 20; i += 1) {
    const started = process.hrtime.bigint();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${url}: ${res.status}`);
    if (i >= 20) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.ceil(times.length * 0.95) - 1];
}

const SEARCH_URLS = [
  '/api/v1/models?limit=50',
  '/api/v1/models?name=churn-model-04241',
  '/api/v1/models?stage=production&limit=50',
  '/api/v1/models?tag=team%3Dt7&limit=50',
  '/api/v1/models?framework=pytorch&stage=production&tag=team%3Dt7&limit=50',
  '/api/v1/models?q=model-0424&limit=50',
  '/api/v1/models?q=vision&limit=50',
  '/api/v1/models?q=vision&tag=team%3Dt7&sort=name&limit=50&offset=100',
];

const scenarios = {
  async startup() {
    const times = [];
    const rss = [];
    for (let i = 0; i < 5; i += 1) {
      const p = await startPlatform();
      times.push(p.startupMs);
      await new Promise((r) => setTimeout(r, 1500));
      rss.push(rssMb(p.child.pid));
      await p.stop();
    }
    const t = median(times);
    const r = median(rss);
    console.log(
      `start to first answer (built, SQLite file): median ${t.toFixed(0)} ms over 5 starts (target < 2000 ms: ${t < 2000 ? 'PASS' : 'FAIL'})`,
    );
    console.log(
      `idle RSS after start: median ${r.toFixed(0)} MB (target < 150 MB: ${r < 150 ? 'PASS' : 'FAIL'})`,
    );
  },

  async models() {
    const platform = await startPlatform();
    let bare;
    try {
      for (let i = 0; i < 100; i += 1) {
        await api(platform.url, 'POST', '/api/v1/models', {
          name: `bench-model-${String(i).padStart(3, '0')}`,
          version: '1',
          model_type: 'classifier',
          framework: 'sklearn',
          description: 'A model registered by the benchmark',
          tags: { team: 'bench', dataset: 'synthetic' },
        });
      }
      const res = await fetch(`${platform.url}/api/v1/models?limit=100`);
      const body = await res.text();
      if (JSON.parse(body).length !== 100) throw new Error('expected 100 models');
      const file = join(mkdtempSync(join(tmpdir(), 'artenic-bench-')), 'models.json');
      writeFileSync(file, body);
      bare = await startScript('bare-json-server.js', [file]);
      await compare(
        'GET /api/v1/models (100 models)',
        { url: `${bare.url}/api/v1/models` },
        { url: `${platform.url}/api/v1/models?limit=100` },
        { target: 0.3 },
      );
    } finally {
      await platform.stop();
      await bare?.stop();
    }
  },

  async search() {
    const targets = [{ label: 'SQLite', url: (dir) => `sqlite:${join(dir, 'artenic.db')}` }];
    const admin = process.env.ARTENIC_BENCH_POSTGRES_URL;
    const pgName = `artenic_bench_search_${process.pid}`;
    if (admin) {
      const base = new URL(admin);
      base.pathname = `/${pgName}`;
      targets.push({ label: 'PostgreSQL', url: () => base.toString() });
    }
    for (const target of targets) {
      const dir = mkdtempSync(join(tmpdir(), 'artenic-bench-search-'));
      if (target.label === 'PostgreSQL') await pgAdmin(admin, `CREATE DATABASE ${pgName}`);
      let platform;
      try {
        const started = Date.now();
        await seedSearch(target.url(dir), 10_000, 10);
        console.log(`${target.label}: seeded 10,000 models / 100,000 versions in ${Date.now() - started} ms`);
        // Rendered-page caching off: every request below runs its queries.
        platform = await startPlatform({
          ARTENIC_DATA_DIR: dir,
          ARTENIC_DATABASE_URL: target.url(dir),
          ARTENIC_REGISTRY__LIST_CACHE_MS: '0',
        });
        for (const path of SEARCH_URLS) {
          const p95 = await p95Of(`${platform.url}${path}`);
          console.log(
            `  ${target.label} ${path}: p95 ${p95.toFixed(1)} ms (target < 50 ms: ${p95 < 50 ? 'PASS' : 'FAIL'})`,
          );
        }
      } finally {
        await platform?.stop();
        if (target.label === 'PostgreSQL') await pgAdmin(admin, `DROP DATABASE IF EXISTS ${pgName}`);
      }
    }
  },

  async predict() {
    const platform = await startPlatform();
    let bare;
    try {
      const file = await servedOnnxModel(platform, 'bench-predict');
      bare = await startScript('onnx-baseline-server.js', [file]);
      const body = JSON.stringify({ data: ROW });
      const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
      await compare(
        'POST /api/v1/services/{service}/predict (ONNX logistic regression, 4 features)',
        { url: `${bare.url}/predict`, ...post },
        { url: `${platform.url}/api/v1/services/bench-predict/predict`, ...post },
        { target: 0.5 },
      );
    } finally {
      await platform.stop();
      await bare?.stop();
    }
  },

  async batch() {
    const platform = await startPlatform();
    try {
      await servedOnnxModel(platform, 'bench-batch');
      const post = (path, payload) => ({
        url: `${platform.url}/api/v1/services/bench-batch/${path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      });
      const single = post('predict', { data: ROW });
      const batch = post('predict_batch', { batch: Array.from({ length: 64 }, () => ROW) });
      await load({ ...single, duration: 2 });
      await load({ ...batch, duration: 2 });
      const singles = [];
      const batches = [];
      for (let i = 0; i < 3; i += 1) {
        singles.push((await load({ ...single, duration: 5 })).rps);
        batches.push((await load({ ...batch, duration: 5 })).rps * 64);
      }
      const ratio = median(batches) / median(singles);
      console.log(
        `rows/s, one row per call: ${Math.round(median(singles)).toLocaleString('en-US')}\n` +
          `rows/s, 64 rows per call: ${Math.round(median(batches)).toLocaleString('en-US')}\n` +
          `  ratio: ${ratio.toFixed(1)}×  (target ≥ 10×: ${ratio >= 10 ? 'PASS' : 'FAIL'})`,
      );
    } finally {
      await platform.stop();
    }
  },

  /** Needs PostgreSQL: ARTENIC_BENCH_POSTGRES_URL (an admin URL; a throw-away database is used). */
  async poller() {
    const { execFileSync } = require('node:child_process');
    const url = process.env.ARTENIC_BENCH_POSTGRES_URL;
    if (!url) {
      console.log('skipped: set ARTENIC_BENCH_POSTGRES_URL to a PostgreSQL admin URL');
      return;
    }
    execFileSync(process.execPath, [join(__dirname, 'training-poller.js'), url, '10000'], {
      stdio: 'inherit',
    });
  },

  async health() {
    const platform = await startPlatform();
    const bare = await startScript('bare-json-server.js');
    try {
      await compare(
        'GET /health',
        { url: `${bare.url}/health` },
        { url: `${platform.url}/health` },
        { target: 0.7 },
      );
    } finally {
      await platform.stop();
      await bare.stop();
    }
  },
};

async function main() {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(scenarios);
  for (const name of names) {
    const scenario = scenarios[name];
    if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
    console.log(`\n## ${name}`);
    await scenario();
  }
}

module.exports = { scenarios };
if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
