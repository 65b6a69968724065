#!/usr/bin/env node
// Rewrites the configuration table of README.md from the config schema (run after `npm run build`).
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { configReferenceMarkdown } = require('../dist/config/config-reference');

const readme = join(__dirname, '..', 'README.md');
const start = '<!-- config:start -->';
const end = '<!-- config:end -->';
const text = readFileSync(readme, 'utf8');
const i = text.indexOf(start);
const j = text.indexOf(end);
if (i < 0 || j < 0) throw new Error('README.md lacks the config markers');
writeFileSync(readme, `${text.slice(0, i + start.length)}\n${configReferenceMarkdown()}\n${text.slice(j)}`);
console.log('README.md configuration table updated');
