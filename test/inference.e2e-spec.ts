/**
 * @jest-environment ./test/fixtures/onnx-node-environment.js
 */
import { startApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';
import { dot, onnxWriter, sigmoid } from './fixtures/onnx-models';
import { PredictionRecords } from '@app/inference/recording/prediction-records.service';
import { EventStore } from '@app/events/event-store';

describe('inference gateway: ONNX models end to end', () => {
  let t: TestApp;
  let seq = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;
  const W = [0.8, -0.4, 0.25, 1.5];
  const B = -0.3;

  /** Registers an ONNX version, uploads its artifact and promotes it; returns the model id. */
  async function deploy(name: string, version: string, model: Buffer, extra: Record<string, unknown> = {}) {
    const id = `${name}_v${version}`;
    await t
      .http()
      .post('/api/v1/models')
      .send({
        name,
        version,
        model_type: 'classifier',
        framework: 'onnx',
        serving: { runtime: 'onnx' },
        ...extra,
      })
      .expect(201);
    await t
      .http()
      .put(`/api/v1/models/${id}/artifacts/model.onnx`)
      .set('content-type', 'application/octet-stream')
      .send(model)
      .expect(200);
    await t.http().post(`/api/v1/models/${id}/promote`).send({ version }).expect(204);
    return id;
  }

  beforeAll(async () => {
    t = await startApp({
      env: { ARTENIC_INFERENCE__MAX_BATCH_SIZE: '64', ARTENIC_INFERENCE__SAMPLE_RATE: '1' },
    });
  });
  afterAll(() => t.close());

  it('predict, predict_batch and OIP infer return the real model outputs', async () => {
    const service = unique('churn');
    const id = await deploy(service, '1', onnxWriter.writeBinaryClassifier({ weights: W, bias: B }));
    const rows = [
      [1, 2, 3, 4],
      [0, 0, 0, 0],
      [-2, 1, 0.5, -1],
    ];
    const expected = rows.map((x) => sigmoid(dot(x, W) + B));

    const single = await t
      .http()
      .post(`/api/v1/services/${service}/predict`)
      .send({ data: { input: rows[0] } });
    const batch = await t
      .http()
      .post(`/api/v1/services/${service}/predict_batch`)
      .send({ batch: rows.map((input) => ({ input })) });
    const oip = await t
      .http()
      .post(`/v2/models/${service}/infer`)
      .send({ id: 'r1', inputs: [{ name: 'input', shape: [3, 4], datatype: 'FP32', data: rows.flat() }] });

    expect(single.status).toBe(200);
    expect(single.body).toMatchObject({
      model_id: id,
      model_version: '1',
      service,
      prediction_id: expect.any(String),
    });
    expect(single.body.prediction.probability).toBeCloseTo(expected[0]!, 5);
    expect(single.body.prediction.label).toBe(1);
    expect(single.body.latency_ms).toEqual(expect.any(Number));
    expect(single.body.timestamp).toMatch(/Z$/);
    expect(batch.status).toBe(200);
    expect(batch.body).toHaveLength(3);
    batch.body.forEach((item: { prediction: { probability: number; label: number } }, i: number) => {
      expect(item.prediction.probability).toBeCloseTo(expected[i]!, 5);
      expect(item.prediction.label).toBe(expected[i]! > 0.5 ? 1 : 0);
    });
    expect(oip.status).toBe(200);
    expect(oip.body).toMatchObject({ model_name: service, model_version: '1', id: 'r1' });
    const probability = oip.body.outputs.find((o: { name: string }) => o.name === 'probability');
    expect(probability).toMatchObject({ datatype: 'FP32', shape: [3, 1] });
    probability.data.forEach((p: number, i: number) => expect(p).toBeCloseTo(expected[i]!, 5));
    expect(oip.body.outputs.find((o: { name: string }) => o.name === 'label').data).toEqual(
      expected.map((p) => (p > 0.5 ? 1 : 0)),
    );
  });

  it('serves OIP health, metadata and readiness', async () => {
    const service = unique('meta');
    await deploy(service, '3', onnxWriter.writeLogisticRegression({ weights: [1, 2], bias: 0 }));

    const live = await t.http().get('/v2/health/live');
    const ready = await t.http().get('/v2/health/ready');
    const meta = await t.http().get(`/v2/models/${service}`);
    const versionMeta = await t.http().get(`/v2/models/${service}/versions/3`);
    const modelReady = await t.http().get(`/v2/models/${service}/ready`);
    const unknown = await t.http().get(`/v2/models/${unique('nothing')}`);

    expect(live.body).toEqual({ live: true });
    expect(ready.body).toEqual({ ready: true });
    expect(meta.body).toEqual({
      name: service,
      versions: ['3'],
      platform: 'onnxruntime',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }],
    });
    expect(versionMeta.body.versions).toEqual(['3']);
    expect(modelReady.body).toEqual({ name: service, ready: true });
    expect(unknown.status).toBe(404);
  });

  it('answers 404 naming the service when no model serves it', async () => {
    const service = unique('ghost');

    const res = await t
      .http()
      .post(`/api/v1/services/${service}/predict`)
      .send({ data: { input: [1] } });

    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('SERVICE_NOT_FOUND');
    expect(res.body.error.message).toContain(service);
  });

  it('refuses wrong shapes, types and missing inputs with 400 naming the input', async () => {
    const service = unique('strict');
    await deploy(service, '1', onnxWriter.writeLogisticRegression({ weights: W, bias: B }));
    const call = (data: Record<string, unknown>) =>
      t.http().post(`/api/v1/services/${service}/predict`).send({ data });

    const shape = await call({ input: [1, 2, 3] });
    const type = await call({ input: [1, 'two', 3, 4] });
    const missing = await call({ features: [1, 2, 3, 4] });
    const notObject = await t
      .http()
      .post(`/api/v1/services/${service}/predict`)
      .send({ data: [1, 2] });

    expect(shape.status).toBe(400);
    expect(shape.body.error).toMatchObject({
      code: 'INVALID_INPUT',
      details: { input: 'input', got_shape: [3] },
    });
    expect(shape.body.error.message).toContain("input 'input'");
    expect(type.status).toBe(400);
    expect(type.body.error.details).toMatchObject({ input: 'input', expected_type: 'FP32' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 'MISSING_INPUT', details: { input: 'input' } });
    expect(notObject.status).toBe(400);
  });

  it('maps named features to the input vector in input_features order', async () => {
    const service = unique('named');
    await deploy(service, '1', onnxWriter.writeLinearRegression({ weights: [2, -1], bias: 3 }), {
      input_features: [{ name: 'age' }, { name: 'debt' }],
    });

    const res = await t
      .http()
      .post(`/api/v1/services/${service}/predict`)
      .send({ data: { debt: 4, age: 10 } });

    expect(res.status).toBe(200);
    expect(res.body.prediction.prediction).toBeCloseTo(2 * 10 - 4 + 3, 5);
  });

  it('pins an explicit model_id over the production version', async () => {
    const service = unique('pinned');
    const v1 = await deploy(service, '1', onnxWriter.writeLinearRegression({ weights: [1], bias: 0 }));
    await deploy(service, '2', onnxWriter.writeLinearRegression({ weights: [10], bias: 0 }));

    const current = await t
      .http()
      .post(`/api/v1/services/${service}/predict`)
      .send({ data: { input: [2] } });
    const pinned = await t
      .http()
      .post(`/api/v1/services/${service}/predict`)
      .send({ data: { input: [2] }, model_id: v1 });

    expect(current.body).toMatchObject({ model_version: '2', prediction: { prediction: 20 } });
    expect(pinned.body).toMatchObject({ model_id: v1, model_version: '1', prediction: { prediction: 2 } });
  });

  it('caps batches at the configured size with 413', async () => {
    const service = unique('big');
    await deploy(service, '1', onnxWriter.writeLinearRegression({ weights: [1], bias: 0 }));

    const res = await t
      .http()
      .post(`/api/v1/services/${service}/predict_batch`)
      .send({ batch: Array.from({ length: 65 }, (_, i) => ({ input: [i] })) });

    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('BATCH_TOO_LARGE');
  });

  it('records every call off the request path, with sampled inputs and one aggregate inference event per flush', async () => {
    const service = unique('recorded');
    const id = await deploy(service, '1', onnxWriter.writeLinearRegression({ weights: [1], bias: 1 }));
    const records = t.app.get(PredictionRecords);
    const batch = await t
      .http()
      .post(`/api/v1/services/${service}/predict_batch`)
      .set('X-Artenic-Subject', 'user-42')
      .send({ batch: [{ input: [1] }, { input: [2] }] })
      .expect(200);
    await t
      .http()
      .post(`/api/v1/services/${service}/predict`)
      .send({ data: { input: [1, 2] } })
      .expect(400);

    await records.flush();
    const rows = await records.list({ service });
    const stats = await records.stats({ service });

    expect(batch.body.map((b: { prediction_id: string }) => b.prediction_id)).toEqual([
      expect.stringMatching(/:0$/),
      expect.stringMatching(/:1$/),
    ]);
    expect(rows).toHaveLength(2);
    const ok = rows.find((r) => r.error_code === null)!;
    expect(ok).toMatchObject({
      id: batch.body[0].prediction_id.split(':')[0],
      subject: 'user-42',
      model_id: id,
      batch_size: 2,
    });
    expect(ok.inputs).toEqual({ batch: [{ input: [1] }, { input: [2] }] });
    expect(ok.outputs).toEqual({ batch: [{ prediction: 2 }, { prediction: 3 }] });
    expect(rows.find((r) => r.error_code)?.error_code).toBe('INVALID_INPUT');
    expect(stats).toEqual([expect.objectContaining({ model_id: id, predictions: 3, calls: 2, errors: 1 })]);
    await eventually(async () => {
      const events = await t.app.get(EventStore).readAfter(0, 1000);
      const windows = events.filter(
        (e) => e.topic === 'inference' && JSON.stringify(e.data).includes(service),
      );
      expect(windows.length).toBeGreaterThanOrEqual(1);
      expect(windows.length).toBeLessThan(2 + 1);
    });
  });
});
