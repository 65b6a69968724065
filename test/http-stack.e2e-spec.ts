import { startApp, type TestApp } from './support/test-app';

const KEY = 'test-key-0123456789abcdef';

/** The cross-cutting HTTP behaviour, on both adapters (Express is the CI smoke lane for the alternative). */
describe.each(['fastify', 'express'] as const)('HTTP stack on %s', (adapter) => {
  let t: TestApp;
  const auth = { Authorization: `Bearer ${KEY}` };

  beforeAll(async () => {
    t = await startApp({
      env: {
        ARTENIC_HTTP_ADAPTER: adapter,
        ARTENIC_API_KEY: KEY,
        ARTENIC_API_KEYS: '{"ci-bot":"another-key-0123456789"}',
        ARTENIC_RATE_LIMIT_PER_MINUTE: '60',
        ARTENIC_RATE_LIMIT_BURST: '5',
        ARTENIC_BODY_LIMIT_BYTES: '2048',
        ARTENIC_CORS_ORIGINS: '["https://dashboard.example"]',
      },
    });
  });
  afterAll(() => t.close());

  it('echoes a client request id, and generates one otherwise', async () => {
    const echoed = await t.http().get('/health').set('X-Request-ID', 'client-id-42');
    const generated = await t.http().get('/health');
    const hostile = await t.http().get('/health').set('X-Request-ID', 'x'.repeat(500));

    expect(echoed.headers['x-request-id']).toBe('client-id-42');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(hostile.headers['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers an unknown route with 404 in the error format, carrying the request id', async () => {
    const res = await t.http().get('/api/v1/nothing-here').set(auth).set('X-Request-ID', 'rid-404');

    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: 'NOT_FOUND', message: expect.any(String), details: {}, request_id: 'rid-404' },
    });
  });

  it('refuses /api and /metrics without a key, or with a wrong one, in the error format', async () => {
    const missing = await t.http().get('/metrics');
    const wrong = await t.http().get('/metrics').set('Authorization', 'Bearer not-the-key');
    const wrongScheme = await t.http().get('/metrics').set('Authorization', `Basic ${KEY}`);
    const nonAscii = await t.http().get('/metrics').set('Authorization', 'Bearer cl\u00e9-\u00ff');

    for (const res of [missing, wrong, wrongScheme, nonAscii]) {
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'AUTHENTICATION_FAILED', details: {} });
      expect(res.body.error.request_id).toBe(res.headers['x-request-id']);
      expect(res.headers['www-authenticate']).toContain('Bearer');
    }
  });

  it('accepts the bootstrap key and named keys; health and docs stay public', async () => {
    const admin = await t.http().get('/metrics').set(auth);
    const named = await t.http().get('/metrics').set('Authorization', 'Bearer another-key-0123456789');
    const health = await t.http().get('/health/detailed');
    const openapi = await t.http().get('/openapi.json');
    const docs = await t.http().get('/docs');

    expect(admin.status).toBe(200);
    expect(named.status).toBe(200);
    expect(health.status).toBe(200);
    expect(openapi.status).toBe(200);
    expect(docs.status).toBe(200);
  });

  it('rejects malformed JSON with 400 and an oversized body with 413', async () => {
    const malformed = await t
      .http()
      .post('/metrics')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send('{"broken":');
    const large = await t
      .http()
      .post('/metrics')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ blob: 'x'.repeat(4096) }));

    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_JSON');
    expect(large.status).toBe(413);
    expect(large.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('exposes Prometheus metrics by route template and status', async () => {
    await t.http().get('/health/detailed');

    const res = await t.http().get('/metrics').set(auth);

    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/health\/detailed",status_code="200"\} \d+/,
    );
    expect(res.text).toContain('artenic_process_resident_memory_bytes');
  });

  it('compresses large responses when the client accepts gzip', async () => {
    const res = await t.http().get('/openapi.json').set('Accept-Encoding', 'gzip');

    expect(res.headers['content-encoding']).toBe('gzip');
  });

  it('answers CORS preflight for an allowed origin and exposes the request id header', async () => {
    const res = await t
      .http()
      .options('/metrics')
      .set('Origin', 'https://dashboard.example')
      .set('Access-Control-Request-Method', 'GET');

    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe('https://dashboard.example');
    const simple = await t.http().get('/health/ready').set('Origin', 'https://dashboard.example');
    expect(simple.headers['access-control-expose-headers']?.toLowerCase()).toContain('x-request-id');
  });

  it('documents every route with error responses in /openapi.json', async () => {
    const res = await t.http().get('/openapi.json');

    expect(res.body.info.title).toBe('Artenic AI Platform');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/health', '/health/ready', '/metrics']),
    );
    expect(res.body.paths['/metrics'].get.responses['401'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ErrorResponse',
    );
  });

  // Last: it spends the rate-limit budget of the admin key.
  it('limits each client separately, with RateLimit-* headers and 429 + Retry-After', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<ReturnType<TestApp['http']>['get']>> | undefined;
    for (let i = 0; i < 8; i += 1) {
      const res = await t.http().get('/metrics').set(auth);
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    const otherClient = await t.http().get('/metrics').set('Authorization', 'Bearer another-key-0123456789');

    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(limited?.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited?.headers['ratelimit-limit']).toBe('5');
    expect(limited?.headers['ratelimit-remaining']).toBe('0');
    expect(limited?.body.error).toMatchObject({
      code: 'RATE_LIMIT_EXCEEDED',
      details: { retry_after_seconds: expect.any(Number) },
    });
    expect(otherClient.status).toBe(200);
  });
});
