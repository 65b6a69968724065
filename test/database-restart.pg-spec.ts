import { Client } from 'pg';
import { EventOutbox } from '@app/events/event-outbox';
import { eventually } from './support/eventually';
import { PgCluster } from './support/pg-cluster';
import { startApp, type TestApp } from './support/test-app';
import { RecordingSocket } from './support/ws-client';

describe('PostgreSQL restarted under the running platform', () => {
  const cluster = new PgCluster();
  let t: TestApp;

  beforeAll(async () => {
    const admin = cluster.start();
    const c = new Client({ connectionString: admin });
    await c.connect();
    await c.query('CREATE DATABASE artenic');
    await c.end();
    t = await startApp({ databaseUrl: admin.replace(/\/postgres$/, '/artenic') });
  });
  afterAll(async () => {
    await t.close();
    cluster.destroy();
  });

  it('keeps the process up, answers 503 while the database is down and 200 within 5 s of its return', async () => {
    const client = await RecordingSocket.open(`${t.url.replace('http', 'ws')}/ws?topics=config`);

    cluster.stop();
    const down = await eventually(
      async () => {
        const res = await t.http().get('/health/ready');
        if (res.status !== 503) throw new Error(`still ${res.status}`);
        return res;
      },
      { timeoutMs: 10000 },
    );
    const liveWhileDown = await t.http().get('/health');
    cluster.start();
    const backAt = Date.now();
    await eventually(
      async () => {
        const res = await t.http().get('/health/ready');
        if (res.status !== 200) throw new Error(`still ${res.status}`);
      },
      { timeoutMs: 10000, intervalMs: 100 },
    );
    const recoveredInMs = Date.now() - backAt;

    expect(down.body).toMatchObject({ status: 'not_ready', database: 'disconnected' });
    expect(liveWhileDown.status).toBe(200);
    expect(recoveredInMs).toBeLessThan(5000);
    // The relay's LISTEN connection comes back too: a new event reaches the open WebSocket.
    await eventually(
      async () => {
        await t.app.get(EventOutbox).publish({ topic: 'config', type: 'probe', data: { at: Date.now() } });
        await client.waitFor(1, 500);
      },
      { timeoutMs: 15000, intervalMs: 200 },
    );
    client.close();
  });
});
