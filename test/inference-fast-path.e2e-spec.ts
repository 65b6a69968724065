/**
 * @jest-environment ./test/fixtures/onnx-node-environment.js
 */
import { request as httpRequest } from 'node:http';
import { startApp, type TestApp } from './support/test-app';
import { dot, onnxWriter, sigmoid } from './fixtures/onnx-models';
import { RateLimitPolicy } from '@app/common/http/rate-limit.guard';

/*
 * Single-row predict is served in front of Fastify (ARTENIC_INFERENCE__FAST_PATH, on by default). The same
 * requests go to an app with it and one without it: status, headers that matter and bodies must be equal,
 * ids and timings aside.
 */
describe('inference fast path: same answers as the Nest route', () => {
  const KEY = 'fast-path-admin-key-0123456789';
  const W = [0.8, -0.4, 0.25, 1.5];
  const B = -0.3;
  const env = {
    ARTENIC_API_KEY: KEY,
    ARTENIC_BODY_LIMIT_BYTES: '2048',
    ARTENIC_RATE_LIMIT_BURST: '100000',
    ARTENIC_INFERENCE__RESOLUTION_CACHE_MS: '0',
  };
  let fast: TestApp;
  let nest: TestApp;
  const apps = () => [fast, nest] as const;
  /** The same call on both apps: [fast path on, fast path off]. */
  const both = async <R>(call: (t: TestApp) => PromiseLike<R>): Promise<[R, R]> => {
    const [f, n] = await Promise.all([call(fast), call(nest)]);
    return [f, n];
  };

  const authed = (t: TestApp, method: 'post' | 'put', path: string) =>
    t.http()[method](path).set('authorization', `Bearer ${KEY}`);

  async function deploy(t: TestApp, name: string, version: string, bias: number, promote = true) {
    const id = `${name}_v${version}`;
    await authed(t, 'post', '/api/v1/models')
      .send({ name, version, model_type: 'classifier', framework: 'onnx', serving: { runtime: 'onnx' } })
      .expect(201);
    await authed(t, 'put', `/api/v1/models/${id}/artifacts/model.onnx`)
      .set('content-type', 'application/octet-stream')
      .send(onnxWriter.writeBinaryClassifier({ weights: W, bias }))
      .expect(200);
    if (promote) await authed(t, 'post', `/api/v1/models/${id}/promote`).send({ version }).expect(204);
    return id;
  }

  /** Each app gets the same models: `churn` v1 in production, v2 registered, `ab` under an A/B test. */
  async function prepare(t: TestApp) {
    await deploy(t, 'churn', '1', B);
    await deploy(t, 'churn', '2', 2, false);
    const control = await deploy(t, 'ab', '1', 0);
    const treatment = await deploy(t, 'ab', '2', 1, false);
    await authed(t, 'post', '/api/v1/ab-tests')
      .send({
        name: 'bias',
        service: 'ab',
        primary_metric: 'conversion',
        variants: {
          control: { model_id: control, traffic_pct: 50 },
          treatment: { model_id: treatment, traffic_pct: 50 },
        },
      })
      .expect(201);
  }

  interface Answer {
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: unknown;
  }

  const VOLATILE = new Set(['request_id', 'prediction_id', 'timestamp', 'latency_ms', 'ab_test_id']);
  const COMPARED_HEADERS = [
    'content-type',
    'www-authenticate',
    'retry-after',
    'ratelimit-limit',
    'ratelimit-remaining',
    'ratelimit-policy',
    'vary',
    'access-control-allow-credentials',
    'access-control-expose-headers',
    'access-control-allow-origin',
    'connection',
  ];

  /** The answer without what differs between two calls anyway (ids, clocks). */
  function stable(a: Answer): unknown {
    const strip = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(strip)
        : typeof v === 'object' && v !== null
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, VOLATILE.has(k) ? typeof x : strip(x)]))
          : v;
    const headers = Object.fromEntries(COMPARED_HEADERS.map((h) => [h, a.headers[h]]));
    return { status: a.status, headers, body: strip(a.body) };
  }

  /** A raw request (chunked when `chunks` has several parts), so bodies Supertest would not send can be. */
  function raw(t: TestApp, path: string, chunks: string[], headers: Record<string, string> = {}) {
    return new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(
        `${t.url}${path}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, ...headers },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: text ? JSON.parse(text) : text,
            });
          });
        },
      );
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  const fastPathCount = async (t: TestApp) => {
    const text = (await t.http().get('/metrics').set('authorization', `Bearer ${KEY}`)).text;
    return Number(/^artenic_predict_fast_path_requests_total (\d+)/m.exec(text)?.[1] ?? 'NaN');
  };

  beforeAll(async () => {
    fast = await startApp({ env });
    nest = await startApp({ env: { ...env, ARTENIC_INFERENCE__FAST_PATH: 'false' } });
    await Promise.all(apps().map(prepare));
  });
  afterAll(async () => {
    await Promise.all(apps().map((t) => t.close()));
  });

  const predict = (t: TestApp, service: string, body: unknown, key: string | null = KEY) => {
    const r = t.http().post(`/api/v1/services/${service}/predict`);
    if (key !== null) r.set('authorization', `Bearer ${key}`);
    return r.send(body as object);
  };

  it('serves a prediction with the model output, identically, and only the fast app takes the fast path', async () => {
    const before = await both(fastPathCount);
    const x = [1, 2, 3, 4];

    const answers = await both((t) => predict(t, 'churn', { data: { input: x } }));

    const after = await both(fastPathCount);
    expect(answers[0].status).toBe(200);
    expect(answers[0].body).toMatchObject({ model_id: 'churn_v1', model_version: '1', service: 'churn' });
    expect(answers[0].body.prediction.probability).toBeCloseTo(sigmoid(dot(x, W) + B), 5);
    expect(stable(answers[0])).toEqual(stable(answers[1]));
    expect(answers[0].headers['ratelimit-remaining']).toBeDefined();
    expect(after[0] - before[0]).toBe(1);
    expect(after[1]).toBeNaN();
  });

  it('honours an explicit model_id, the subject header and an A/B-routed service', async () => {
    const pinned = await both((t) =>
      predict(t, 'churn', { data: { input: [0, 0, 0, 0] }, model_id: 'churn_v2' }),
    );
    const routed = await Promise.all(
      apps().map((t) =>
        t
          .http()
          .post('/api/v1/services/ab/predict')
          .set('authorization', `Bearer ${KEY}`)
          .set('x-artenic-subject', 'user-42')
          .send({ data: { input: [1, 1, 1, 1] } }),
      ),
    );

    expect(pinned[0].body).toMatchObject({ model_id: 'churn_v2', model_version: '2' });
    expect(pinned[0].body.prediction.probability).toBeCloseTo(sigmoid(2), 5);
    expect(stable(pinned[0])).toEqual(stable(pinned[1]));
    for (const r of routed) {
      expect(r.status).toBe(200);
      expect(r.body.ab_test_id).toEqual(expect.any(String));
      expect(r.body.model_id).toBe(r.body.variant === 'control' ? 'ab_v1' : 'ab_v2');
    }
  });

  it('answers the same errors: unknown service, invalid input, unknown field, bad JSON, too large', async () => {
    const cases: Array<(t: TestApp) => Promise<Answer>> = [
      (t) => predict(t, 'no-such-service', { data: { input: [1, 2, 3, 4] } }),
      (t) => predict(t, 'churn', { data: { input: [1, 2] } }),
      (t) => predict(t, 'churn', { data: { input: [1, 2, 3, 4] }, extra: 1 }),
      (t) => predict(t, 'churn', [1]),
      (t) => raw(t, '/api/v1/services/churn/predict', ['{"data":{"input":[1,2']),
      (t) => raw(t, '/api/v1/services/churn/predict', ['{"data":', '{"input":[1,2,3,4]}}']),
      (t) => raw(t, '/api/v1/services/churn/predict', ['{"__proto__":{"x":1},"data":{}}']),
      (t) => raw(t, '/api/v1/services/churn/predict', ['{"data":', `"${'x'.repeat(3000)}"}`]),
      (t) => predict(t, 'churn', { data: { input: [1, 2, 3, 4], pad: 'x'.repeat(3000) } }),
    ];

    const answers = await Promise.all(cases.map((c) => Promise.all(apps().map(c))));

    const [unknown, shape, field, notObject, malformed, chunked, proto, chunkedLarge, large] = answers.map(
      ([f]) => f,
    );
    expect(unknown!.status).toBe(404);
    expect(unknown!.body).toMatchObject({ error: { code: 'SERVICE_NOT_FOUND' } });
    expect(shape!.status).toBe(400);
    expect(JSON.stringify(shape!.body)).toContain("'input'");
    expect(field!.body).toMatchObject({
      error: { details: { errors: [{ loc: ['body', 'extra'], type: 'whitelistValidation' }] } },
    });
    expect(notObject!.status).toBe(400);
    expect(malformed!.body).toMatchObject({ error: { code: 'INVALID_JSON' } });
    expect(chunked!.status).toBe(200);
    expect(proto!.body).toMatchObject({ error: { code: 'INVALID_JSON' } });
    expect(chunkedLarge!.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(large!.status).toBe(413);
    for (const [f, n] of answers) expect(stable(f!)).toEqual(stable(n!));
  });

  it('refuses a missing or wrong API key with 401 and WWW-Authenticate, identically', async () => {
    const missing = await both((t) => predict(t, 'churn', { data: {} }, null));
    const wrong = await both((t) => predict(t, 'churn', { data: {} }, 'not-the-key-0123456789'));

    expect(missing[0].status).toBe(401);
    expect(missing[0].headers['www-authenticate']).toBe('Bearer realm="artenic"');
    expect(wrong[0].body).toMatchObject({ error: { code: 'AUTHENTICATION_FAILED' } });
    expect(stable(missing[0])).toEqual(stable(missing[1]));
    expect(stable(wrong[0])).toEqual(stable(wrong[1]));
  });

  it('rate-limits with 429 and Retry-After, identically', async () => {
    for (const t of apps()) t.app.get(RateLimitPolicy).configure(1, 2);
    try {
      const answers = await Promise.all(
        apps().map(async (t) => {
          const out: Answer[] = [];
          for (let i = 0; i < 3; i += 1)
            out.push(await predict(t, 'churn', { data: { input: [1, 2, 3, 4] } }));
          return out;
        }),
      );

      const [f, n] = answers;
      expect(f!.map((a) => a.status)).toEqual([200, 200, 429]);
      expect(f![2]!.headers['retry-after']).toMatch(/^\d+$/);
      expect(f![2]!.body).toMatchObject({ error: { code: 'RATE_LIMIT_EXCEEDED' } });
      f!.forEach((a, i) => expect(stable(a)).toEqual(stable(n![i]!)));
    } finally {
      for (const t of apps()) t.app.get(RateLimitPolicy).configure(6000, 100000);
    }
  });

  it('echoes the client X-Request-ID; a browser call (Origin) gets CORS headers from the Nest route', async () => {
    const echoed = await Promise.all(
      apps().map((t) =>
        predict(t, 'churn', { data: { input: [1, 2, 3, 4] } }).set('X-Request-ID', 'client-req-7'),
      ),
    );
    const before = await fastPathCount(fast);
    const browser = await predict(fast, 'churn', { data: { input: [1, 2, 3, 4] } }).set(
      'Origin',
      'http://localhost:3000',
    );
    const after = await fastPathCount(fast);

    for (const r of echoed) expect(r.headers['x-request-id']).toBe('client-req-7');
    expect(browser.status).toBe(200);
    expect(browser.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(after).toBe(before);
  });
});
