import { startApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';
import { FakeOipServer, sigmoid } from './fakes/oip/fake-oip-server';

describe('inference gateway: remote model servers (OIP and plain JSON)', () => {
  let t: TestApp;
  let oip: FakeOipServer;
  let seq = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;
  const W = [0.5, -1, 2];
  const B = 0.25;
  const expectedP = (x: number[]) => sigmoid(x.reduce((s, v, i) => s + v * W[i]!, B));

  /** A remote model on the fake server, registered and promoted for its own service. */
  async function deployRemote(serving: Record<string, unknown> = {}) {
    const name = unique('remote');
    oip.addModel(name, { weights: W, bias: B });
    await t
      .http()
      .post('/api/v1/models')
      .send({
        name,
        version: '1',
        model_type: 'classifier',
        framework: 'sklearn',
        serving: { runtime: 'http', protocol: 'oip', url: oip.url, remote_model: name, ...serving },
      })
      .expect(201);
    await t.http().post(`/api/v1/models/${name}_v1/promote`).send({ version: '1' }).expect(204);
    return name;
  }
  const predict = (service: string, input: number[]) =>
    t.http().post(`/api/v1/services/${service}/predict`).send({ data: { input } });

  beforeAll(async () => {
    oip = await new FakeOipServer().start();
    t = await startApp({
      env: {
        ARTENIC_INFERENCE__HTTP_RETRIES: '2',
        ARTENIC_INFERENCE__HTTP_RETRY_BACKOFF_MS: '5',
        ARTENIC_INFERENCE__BREAKER_VOLUME_THRESHOLD: '3',
        ARTENIC_INFERENCE__BREAKER_ERROR_THRESHOLD_PCT: '50',
        ARTENIC_INFERENCE__BREAKER_RESET_MS: '400',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await oip.stop();
  });

  it('predicts through OIP v2 infer, one call for a whole batch', async () => {
    const service = await deployRemote();
    const rows = [
      [1, 2, 3],
      [0, 0, 0],
      [-1, 0.5, -2],
    ];

    const single = await predict(service, rows[0]!);
    const batch = await t
      .http()
      .post(`/api/v1/services/${service}/predict_batch`)
      .send({ batch: rows.map((input) => ({ input })) });

    expect(single.status).toBe(200);
    expect(single.body.prediction.probability).toBeCloseTo(expectedP(rows[0]!), 6);
    expect(single.body.prediction.label).toBe(1);
    expect(batch.body.map((b: { prediction: { probability: number } }) => b.prediction.probability)).toEqual(
      rows.map((x) => expect.closeTo(expectedP(x), 6)),
    );
    expect(oip.callsTo(service)).toBe(2);
  });

  it('retries retryable failures within the bound, then answers 502', async () => {
    const service = await deployRemote();
    await predict(service, [1, 1, 1]).expect(200);

    oip.fail(2, 503);
    const recovered = await predict(service, [1, 1, 1]);
    const afterRecovery = oip.callsTo(service);
    oip.fail(3, 503);
    const failed = await predict(service, [1, 1, 1]);

    expect(recovered.status).toBe(200);
    expect(afterRecovery).toBe(1 + 3);
    expect(failed.status).toBe(502);
    expect(failed.body.error).toMatchObject({
      code: 'MODEL_BACKEND_FAILED',
      details: { attempts: 3, status: 503 },
    });
    expect(oip.callsTo(service)).toBe(afterRecovery + 3);
  });

  it('answers 504 when the backend is slower than the version timeout', async () => {
    const service = await deployRemote({ timeout_ms: 150 });
    await predict(service, [1, 1, 1]).expect(200);
    oip.setDelay(service, 1000);

    const started = Date.now();
    const res = await predict(service, [1, 1, 1]);

    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('MODEL_BACKEND_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(900);
    expect(oip.callsTo(service)).toBe(2);
  });

  it('opens the circuit after repeated failures (503 without calling), then closes when the backend recovers', async () => {
    const service = await deployRemote();
    await predict(service, [1, 1, 1]).expect(200);
    oip.fail(Number.POSITIVE_INFINITY, 500);

    const failures = [];
    for (let i = 0; i < 3; i += 1) failures.push(await predict(service, [1, 1, 1]));
    const callsWhenOpened = oip.callsTo(service);
    const refused = await predict(service, [1, 1, 1]);
    oip.recover();

    expect(failures.map((r) => r.status)).toEqual([502, 502, 502]);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('BACKEND_CIRCUIT_OPEN');
    expect(refused.headers['retry-after']).toBe('1');
    expect(oip.callsTo(service)).toBe(callsWhenOpened);
    await eventually(async () => expect((await predict(service, [1, 1, 1])).status).toBe(200), {
      timeoutMs: 3000,
    });
    const health = await t.http().get('/health/detailed');
    expect(health.body.components.inference.backends).toEqual(expect.any(Object));
  });

  it('speaks plain JSON to a backend that is not OIP', async () => {
    const name = unique('json');
    oip.addModel('json', { weights: W, bias: B });
    await t
      .http()
      .post('/api/v1/models')
      .send({
        name,
        version: '1',
        model_type: 'classifier',
        framework: 'custom',
        serving: { runtime: 'http', protocol: 'json', url: `${oip.url}/predict` },
      })
      .expect(201);
    await t.http().post(`/api/v1/models/${name}_v1/promote`).send({ version: '1' }).expect(204);

    const res = await t
      .http()
      .post(`/api/v1/services/${name}/predict`)
      .send({ data: { features: [2, 1, 0] } });

    expect(res.status).toBe(200);
    expect(res.body.prediction.probability).toBeCloseTo(expectedP([2, 1, 0]), 9);
  });
});
