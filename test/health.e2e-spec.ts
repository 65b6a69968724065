import { startApp, type TestApp } from './support/test-app';

describe('health', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('answers liveness without I/O', async () => {
    const res = await t.http().get('/health');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'healthy' });
  });

  it('answers readiness with a database round-trip', async () => {
    const res = await t.http().get('/health/ready');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', database: 'connected' });
  });

  it('reports every component in /health/detailed', async () => {
    const res = await t.http().get('/health/detailed');

    expect(res.status).toBe(200);
    expect(res.body.status).toBe('healthy');
    expect(res.body.components).toMatchObject({
      version: res.body.version,
      database: 'connected',
      event_relay: expect.objectContaining({ cursor: expect.any(Number) }),
      background_loops: expect.arrayContaining([expect.objectContaining({ name: 'events.relay' })]),
    });
  });
});
