#!/usr/bin/env node
/*
 * The whole test suite: build (process-level tests start dist/main.js), unit tests, the e2e suite on
 * in-memory SQLite, then the same e2e suite plus the PostgreSQL-only tests on a PostgreSQL cluster.
 * The cluster is ARTENIC_TEST_POSTGRES_URL when set, otherwise a throw-away one started here
 * (scripts/pg-cluster.sh installs the Debian package if needed). Ends with `N passed, N failed`.
 */
const { spawnSync, execFileSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const root = join(__dirname, '..');
const jest = join(root, 'node_modules', '.bin', 'jest');
const extra = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
let failedRuns = 0;

function run(label, projects, env) {
  const out = join(mkdtempSync(join(tmpdir(), 'jest-')), 'result.json');
  console.log(`\n=== ${label} ===`);
  const result = spawnSync(
    jest,
    ['--runInBand', '--json', `--outputFile=${out}`, '--selectProjects', ...projects, ...extra],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } },
  );
  try {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
    totals.skipped += report.numPendingTests + report.numTodoTests;
  } catch {
    totals.failed += 1;
  }
  if (result.status !== 0) failedRuns += 1;
}

execFileSync(process.execPath, [join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'], {
  cwd: root,
  stdio: 'inherit',
});

run('unit + e2e on SQLite', ['unit', 'e2e'], { ARTENIC_TEST_DATABASE: 'sqlite' });

let adminUrl = process.env.ARTENIC_TEST_POSTGRES_URL;
let clusterDir;
if (!adminUrl && process.env.ARTENIC_TEST_SKIP_POSTGRES !== '1') {
  clusterDir = mkdtempSync(join(tmpdir(), 'artenic-pg-'));
  const port = String(56000 + Math.floor(Math.random() * 2000));
  adminUrl = execFileSync('bash', [join(__dirname, 'pg-cluster.sh'), 'start', clusterDir, port], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}
try {
  if (adminUrl) {
    run('e2e on PostgreSQL', ['e2e', 'pg'], { ARTENIC_TEST_DATABASE: 'postgres', ARTENIC_TEST_POSTGRES_URL: adminUrl });
  } else {
    console.log('\nPostgreSQL lane skipped (ARTENIC_TEST_SKIP_POSTGRES=1).');
  }
} finally {
  if (clusterDir) {
    spawnSync('bash', [join(__dirname, 'pg-cluster.sh'), 'stop', clusterDir], { stdio: 'inherit' });
    rmSync(clusterDir, { recursive: true, force: true });
  }
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(failedRuns > 0 || totals.failed > 0 ? 1 : 0);
