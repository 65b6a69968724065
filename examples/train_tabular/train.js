#!/usr/bin/env node
'use strict';
/* global setTimeout */
/*
 * Example training job for the `local` provider: a logistic regression on the small CSV beside this file
 * (will a student pass, from hours studied and slept). It reads the platform's environment:
 *   ARTENIC_OUTPUT_DIR       where model.onnx and metrics.json go (collected as artifacts, registered as a model)
 *   ARTENIC_CHECKPOINT_DIR   where checkpoint.json is written every `checkpoint_every` epochs
 *   ARTENIC_RESUME_FROM      a checkpoint directory or file to resume from (after a preemption)
 *   ARTENIC_HP_EPOCHS, ARTENIC_HP_LEARNING_RATE, ARTENIC_HP_CHECKPOINT_EVERY, ARTENIC_HP_EPOCH_DELAY_MS
 * Run by hand: ARTENIC_OUTPUT_DIR=/tmp/out node examples/train_tabular/train.js
 */
const fs = require('node:fs');
const path = require('node:path');
const { writeLogisticRegression } = require('../lib/onnx-writer');

const env = process.env;
const hp = {
  epochs: Number(env.ARTENIC_HP_EPOCHS ?? 300),
  learningRate: Number(env.ARTENIC_HP_LEARNING_RATE ?? 0.1),
  checkpointEvery: Number(env.ARTENIC_HP_CHECKPOINT_EVERY ?? 50),
  epochDelayMs: Number(env.ARTENIC_HP_EPOCH_DELAY_MS ?? 0),
};
const outputDir = env.ARTENIC_OUTPUT_DIR ?? path.join(process.cwd(), 'output');
const checkpointDir = env.ARTENIC_CHECKPOINT_DIR ?? path.join(outputDir, '..', 'checkpoints');

function loadCsv(file) {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const names = header.split(',');
  const rows = lines.map((l) => l.split(',').map(Number));
  return { features: names.slice(0, -1), x: rows.map((r) => r.slice(0, -1)), y: rows.map((r) => r[r.length - 1]) };
}

/** Standardise features so that plain gradient descent converges; the ONNX model folds it back in. */
function standardise(x) {
  const cols = x[0].length;
  const mean = Array.from({ length: cols }, (_, j) => x.reduce((s, r) => s + r[j], 0) / x.length);
  const std = mean.map((m, j) => Math.sqrt(x.reduce((s, r) => s + (r[j] - m) ** 2, 0) / x.length) || 1);
  return { mean, std, z: x.map((r) => r.map((v, j) => (v - mean[j]) / std[j])) };
}

const sigmoid = (t) => 1 / (1 + Math.exp(-t));

function evaluate(z, y, w, b) {
  let loss = 0;
  let correct = 0;
  z.forEach((r, i) => {
    const p = Math.min(1 - 1e-9, Math.max(1e-9, sigmoid(r.reduce((s, v, j) => s + v * w[j], b))));
    loss -= y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p);
    if ((p >= 0.5 ? 1 : 0) === y[i]) correct += 1;
  });
  return { loss: loss / z.length, accuracy: correct / z.length };
}

function resumeState() {
  const candidates = [env.ARTENIC_RESUME_FROM, checkpointDir].filter(Boolean);
  for (const c of candidates) {
    const file = fs.existsSync(c) && fs.statSync(c).isDirectory() ? path.join(c, 'checkpoint.json') : c;
    if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  return null;
}

function writeJson(file, value) {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(value));
  fs.renameSync(`${file}.tmp`, file); // readers never see half a file
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const data = loadCsv(path.join(__dirname, 'students.csv'));
  const { mean, std, z } = standardise(data.x);
  fs.mkdirSync(outputDir, { recursive: true });
  fs.mkdirSync(checkpointDir, { recursive: true });
  const resumed = resumeState();
  let w = resumed?.weights ?? data.features.map(() => 0);
  let b = resumed?.bias ?? 0;
  const start = resumed?.epoch ?? 0;
  console.log(resumed ? `resuming from epoch ${start}` : `training on ${z.length} rows, ${data.features.length} features`);
  for (let epoch = start + 1; epoch <= hp.epochs; epoch++) {
    const gw = w.map(() => 0);
    let gb = 0;
    z.forEach((r, i) => {
      const err = sigmoid(r.reduce((s, v, j) => s + v * w[j], b)) - data.y[i];
      r.forEach((v, j) => (gw[j] += (err * v) / z.length));
      gb += err / z.length;
    });
    w = w.map((v, j) => v - hp.learningRate * gw[j]);
    b -= hp.learningRate * gb;
    if (epoch % hp.checkpointEvery === 0 || epoch === hp.epochs) {
      const m = evaluate(z, data.y, w, b);
      writeJson(path.join(checkpointDir, 'checkpoint.json'), { epoch, weights: w, bias: b });
      writeJson(path.join(outputDir, 'metrics.json'), { ...m, epoch, progress: epoch / hp.epochs });
      console.log(`epoch ${epoch}/${hp.epochs} loss=${m.loss.toFixed(4)} accuracy=${m.accuracy.toFixed(3)}`);
    }
    if (hp.epochDelayMs > 0) await sleep(hp.epochDelayMs);
  }
  // Fold the standardisation into the weights so the model takes raw features.
  const weights = w.map((v, j) => v / std[j]);
  const bias = b - w.reduce((s, v, j) => s + (v * mean[j]) / std[j], 0);
  writeLogisticRegression({ weights, bias, inputName: 'input', outputName: 'probability', path: path.join(outputDir, 'model.onnx') });
  const final = evaluate(z, data.y, w, b);
  writeJson(path.join(outputDir, 'metrics.json'), { accuracy: final.accuracy, loss: final.loss, epoch: hp.epochs, progress: 1 });
  console.log(`done: accuracy=${final.accuracy.toFixed(3)} model=${path.join(outputDir, 'model.onnx')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
