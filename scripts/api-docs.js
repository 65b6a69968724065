#!/usr/bin/env node
// Rewrites the API overview of README.md from the application's OpenAPI document (after `npm run build`).
const { readFileSync, writeFileSync, mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

async function main() {
  const { loadConfig } = require('../dist/config/config.loader');
  const { createApp } = require('../dist/bootstrap/create-app');
  const { buildOpenApiDocument } = require('../dist/bootstrap/openapi');
  const { apiOverviewMarkdown } = require('../dist/bootstrap/api-overview');
  const config = loadConfig({
    ARTENIC_DATABASE_URL: 'sqlite::memory:',
    ARTENIC_LOG_LEVEL: 'silent',
    ARTENIC_DATA_DIR: mkdtempSync(join(tmpdir(), 'artenic-docs-')),
  });
  const app = await createApp(config);
  const markdown = apiOverviewMarkdown(buildOpenApiDocument(app));
  await app.close();
  const readme = join(__dirname, '..', 'README.md');
  const text = readFileSync(readme, 'utf8');
  const [start, end] = ['<!-- api:start -->', '<!-- api:end -->'];
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error('README.md lacks the api markers');
  writeFileSync(readme, `${text.slice(0, i + start.length)}\n${markdown}\n${text.slice(j)}`);
  console.log('README.md API overview updated');
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
