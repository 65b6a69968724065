/**
 * @jest-environment ./test/fixtures/onnx-node-environment.js
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type TestApp } from './support/test-app';
import { onnxWriter } from './fixtures/onnx-models';
import { PredictionRecords } from '@app/inference/recording/prediction-records.service';
import { PredictionRecorder } from '@app/inference/recording/prediction-recorder';
import { EventStore } from '@app/events/event-store';

/*
 * Prediction records on a SQLite file: written by the writer thread (its own connection), one
 * `predictions.recorded` event per window however many chunks, nothing lost at shutdown, and the file
 * reopened after a restart (its lock released with the application). (On PostgreSQL and in-memory SQLite the inline writer is covered by
 * inference.e2e-spec.)
 */
describe('prediction recording on a SQLite file', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'artenic-records-')), 'artenic.db');
  const databaseUrl = `sqlite:${file}`;
  const env = { ARTENIC_INFERENCE__RECORD_FLUSH_ROWS: '20', ARTENIC_INFERENCE__RECORD_FLUSH_MS: '60000' };
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function deploy(app: TestApp, name: string): Promise<string> {
    const id = `${name}_v1`;
    await app
      .http()
      .post('/api/v1/models')
      .send({ name, version: '1', model_type: 'classifier', framework: 'onnx', serving: { runtime: 'onnx' } })
      .expect(201);
    await app
      .http()
      .put(`/api/v1/models/${id}/artifacts/model.onnx`)
      .set('content-type', 'application/octet-stream')
      .send(onnxWriter.writeBinaryClassifier({ weights: [1, 2], bias: 0 }))
      .expect(200);
    await app.http().post(`/api/v1/models/${id}/promote`).send({ version: '1' }).expect(204);
    return id;
  }

  const predict = (app: TestApp, service: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        app
          .http()
          .post(`/api/v1/services/${service}/predict`)
          .send({ data: { input: [i, 1] } })
          .expect(200),
      ),
    );

  it('writes every call from the writer thread, with one window event for many chunks', async () => {
    t = await startApp({ databaseUrl, env });
    const id = await deploy(t, 'records-thread');

    await predict(t, 'records-thread', 90); // 4 full chunks written as they fill, 10 left buffered
    const recorder = t.app.get(PredictionRecorder);
    await t.app.get(PredictionRecords).flush();

    expect(recorder.stats()).toMatchObject({ writer: 'thread', written: 90, buffered: 0 });
    const stats = await t.app.get(PredictionRecords).stats({ service: 'records-thread' });
    expect(stats).toEqual([expect.objectContaining({ model_id: id, predictions: 90, calls: 90, errors: 0 })]);
    // The window (60 s here) is not due: no event yet, however many chunks were written.
    const events = async () =>
      (await t!.app.get(EventStore).readAfter(0, 1000)).filter((e) => e.type === 'predictions.recorded');
    expect(await events()).toHaveLength(0);

    await t.close(); // the final flush publishes the pending window
    t = await startApp({ databaseUrl, env });
    const windows = await events();
    expect(windows).toHaveLength(1);
    expect(windows[0]!.data).toEqual({
      window: [
        expect.objectContaining({ service: 'records-thread', target: id, predictions: 90, calls: 90 }),
      ],
    });
  });

  it('keeps what was buffered at shutdown', async () => {
    t = await startApp({ databaseUrl, env });
    await deploy(t, 'records-shutdown');
    await predict(t, 'records-shutdown', 7); // under one chunk: still in memory

    await t.close();
    t = await startApp({ databaseUrl, env });

    const rows = await t.app.get(PredictionRecords).list({ service: 'records-shutdown' });
    expect(rows).toHaveLength(7);
  });
});
