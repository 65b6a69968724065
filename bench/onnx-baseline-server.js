'use strict';
/* global Buffer */
/*
 * The inference baseline: a bare node:http server that loads an ONNX file (argv[2]) with onnxruntime-node
 * (same session options as the platform) and answers POST /predict with the same JSON as
 * POST /api/v1/services/{service}/predict: body {"data": {"<input>": [...]}} → {"prediction": {...}, ...}.
 * Prints its port. No routing, validation, auth, recording or logging: the cost the gateway adds is the
 * difference.
 */
const http = require('node:http');
const { randomUUID } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const ort = require('onnxruntime-node');

async function main() {
  const session = await ort.InferenceSession.create(process.argv[2], {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const input = session.inputMetadata[0];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => void answer(Buffer.concat(chunks), res));
  });

  async function answer(raw, res) {
    try {
      const started = performance.now();
      const values = JSON.parse(raw.toString('utf8')).data[input.name];
      const feeds = { [input.name]: new ort.Tensor('float32', Float32Array.from(values), [1, values.length]) };
      const results = await session.run(feeds);
      const prediction = {};
      for (const name of session.outputNames) {
        const v = results[name].data[0];
        prediction[name] = typeof v === 'bigint' ? Number(v) : v;
      }
      const body = JSON.stringify({
        prediction,
        model_id: 'baseline',
        model_version: '1',
        service: 'baseline',
        timestamp: new Date().toISOString(),
        latency_ms: performance.now() - started,
        prediction_id: randomUUID(),
      });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } catch (error) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: String(error) }));
    }
  }

  server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
