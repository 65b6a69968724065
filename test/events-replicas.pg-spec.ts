import { EventOutbox } from '@app/events/event-outbox';
import { createPgDatabase, startApp, type TestApp } from './support/test-app';
import { RecordingSocket } from './support/ws-client';

describe('events across replicas on one PostgreSQL', () => {
  let drop: () => Promise<void>;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    const db = await createPgDatabase();
    drop = db.drop;
    // A long fallback poll: only NOTIFY can deliver within the test's time.
    const env = { ARTENIC_EVENTS__POLL_INTERVAL_MS: '600000' };
    a = await startApp({ databaseUrl: db.url, env });
    b = await startApp({ databaseUrl: db.url, env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await drop();
  });

  it("delivers an event written on one replica to the other replica's WebSocket clients", async () => {
    const onB = await RecordingSocket.open(`${b.url.replace('http', 'ws')}/ws?topics=lifecycle`);
    const onA = await RecordingSocket.open(`${a.url.replace('http', 'ws')}/ws?topics=lifecycle`);

    await a.app
      .get(EventOutbox)
      .publish({ topic: 'lifecycle', type: 'model.registered', data: { model_id: 'm_v1' } });
    const [fromB] = await onB.waitFor(1, 3000);
    const [fromA] = await onA.waitFor(1, 3000);

    expect(fromB).toMatchObject({ model_id: 'm_v1', _topic: 'lifecycle' });
    expect(fromB?._id).toBe(fromA?._id);
    onA.close();
    onB.close();
  });
});
