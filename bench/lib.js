'use strict';
/* Shared pieces of the benchmarks: processes, load runs, medians. Everything binds to 127.0.0.1. */
const { spawn } = require('node:child_process');
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');

const ROOT = join(__dirname, '..');

function freePort() {
  return 30000 + Math.floor(Math.random() * 20000);
}

async function waitFor(url, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the built platform; resolves once it listens, with the time it took from spawn. */
async function startPlatform(env = {}) {
  const port = freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'artenic-bench-'));
  const started = process.hrtime.bigint();
  // The same node flags as `npm start` and the Docker image: the benchmark measures what is deployed.
  const flags = (process.env.ARTENIC_BENCH_NODE_FLAGS ?? '--max-semi-space-size=8')
    .split(' ')
    .filter(Boolean);
  const child = spawn(process.execPath, [...flags, join(ROOT, 'dist', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      ARTENIC_HOST: '127.0.0.1',
      ARTENIC_PORT: String(port),
      ARTENIC_DATA_DIR: dataDir,
      ARTENIC_LOG_LEVEL: 'warn',
      // The benchmark measures serving, not the per-client limiter.
      ARTENIC_RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`);
  const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { child, url, port, dataDir, startupMs, stop: () => stop(child) };
}

/** Starts a bench/*.js server script that prints its port on stdout. */
async function startScript(script, args = [], env = {}) {
  const child = spawn(process.execPath, [join(__dirname, script), ...args], {
    env: { ...process.env, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, stop: () => stop(child) };
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

function rssMb(pid) {
  const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** One autocannon run; returns req/s and latency percentiles. */
function load(opts) {
  return new Promise((resolve, reject) => {
    autocannon({ connections: 32, pipelining: 1, duration: 5, ...opts }, (error, result) => {
      if (error) return reject(error);
      if (result.non2xx > 0) return reject(new Error(`${opts.url}: ${result.non2xx} non-2xx answers`));
      resolve({ rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Compares `subject` with `baseline` under the same load: a warm-up each, then `rounds` alternating
 * measured runs (alternation spreads machine noise over both), medians reported.
 */
async function compare(name, baseline, subject, { rounds = 3, duration = 5, target, unit = 'req/s' } = {}) {
  await load({ ...baseline, duration: 2 });
  await load({ ...subject, duration: 2 });
  const b = [];
  const s = [];
  for (let i = 0; i < rounds; i += 1) {
    b.push(await load({ ...baseline, duration }));
    s.push(await load({ ...subject, duration }));
  }
  const row = {
    name,
    baseline_rps: median(b.map((r) => r.rps)),
    subject_rps: median(s.map((r) => r.rps)),
    baseline_p50: median(b.map((r) => r.p50)),
    baseline_p99: median(b.map((r) => r.p99)),
    subject_p50: median(s.map((r) => r.p50)),
    subject_p99: median(s.map((r) => r.p99)),
  };
  row.ratio = row.subject_rps / row.baseline_rps;
  row.target = target;
  row.pass = target === undefined ? undefined : row.ratio >= target;
  report(row, unit);
  return row;
}

function report(row, unit = 'req/s') {
  const f = (n) => Math.round(n).toLocaleString('en-US');
  console.log(
    `${row.name}\n` +
      `  baseline: ${f(row.baseline_rps)} ${unit}  p50 ${row.baseline_p50} ms  p99 ${row.baseline_p99} ms\n` +
      `  platform: ${f(row.subject_rps)} ${unit}  p50 ${row.subject_p50} ms  p99 ${row.subject_p99} ms\n` +
      `  ratio:    ${(row.ratio * 100).toFixed(1)}%` +
      (row.target === undefined ? '' : `  (target ≥ ${row.target * 100}%: ${row.pass ? 'PASS' : 'FAIL'})`),
  );
}

module.exports = {
  ROOT,
  freePort,
  waitFor,
  startPlatform,
  startScript,
  stop,
  rssMb,
  load,
  compare,
  median,
  report,
};
