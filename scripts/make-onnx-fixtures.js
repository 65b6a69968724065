#!/usr/bin/env node
'use strict';
/*
 * Writes the small real ONNX models used by tests, examples and the benchmark into a directory
 * (default ./data/onnx-fixtures): `node scripts/make-onnx-fixtures.js [dir]`. Prints the files as JSON.
 */
const path = require('node:path');
const writer = require('../examples/lib/onnx-writer');

/** The fixtures, with their parameters, so tests can compute the expected outputs independently. */
const FIXTURES = {
  'logistic-regression.onnx': {
    build: writer.writeLogisticRegression,
    params: { weights: [0.8, -0.4, 0.25, 1.5], bias: -0.3 },
  },
  'linear-regression.onnx': {
    build: writer.writeLinearRegression,
    params: { weights: [2, -1, 0.5, 0.1], bias: 3 },
  },
  'binary-classifier.onnx': {
    build: writer.writeBinaryClassifier,
    params: { weights: [1, -1, 0.5, 0], bias: 0.2 },
  },
};

function makeFixtures(dir) {
  return Object.entries(FIXTURES).map(([file, { build, params }]) => {
    const target = path.join(dir, file);
    build({ ...params, path: target });
    return { file: target, params };
  });
}

if (require.main === module) {
  const dir = path.resolve(process.argv[2] ?? path.join('data', 'onnx-fixtures'));
  process.stdout.write(`${JSON.stringify(makeFixtures(dir), null, 2)}\n`);
}

module.exports = { FIXTURES, makeFixtures };
