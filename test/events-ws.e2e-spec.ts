import { EventOutbox } from '@app/events/event-outbox';
import { EventRelay } from '@app/events/event-relay';
import type { NewEvent } from '@app/events/event-topics';
import { eventually } from './support/eventually';
import { startApp, type TestApp } from './support/test-app';
import { RecordingSocket } from './support/ws-client';

const KEY = 'ws-test-key-0123456789';

const trainingEvent = (n: number): NewEvent => ({
  topic: 'training',
  type: 'job.status_changed',
  subject: `job-${n}`,
  data: { job_id: `job-${n}`, status: 'running', n },
});

describe('event stream over /ws', () => {
  let t: TestApp;
  let outbox: EventOutbox;
  let wsUrl: string;
  const open: RecordingSocket[] = [];

  const connect = async (query: string, protocols?: string[]) => {
    const socket = await RecordingSocket.open(`${wsUrl}/ws?${query}`, protocols);
    open.push(socket);
    return socket;
  };

  beforeAll(async () => {
    t = await startApp({ env: { ARTENIC_API_KEY: KEY, ARTENIC_WS__HEARTBEAT_SECONDS: '0.3' } });
    outbox = t.app.get(EventOutbox);
    wsUrl = t.url.replace('http', 'ws');
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(() => t.close());

  it('refuses the handshake with 401 without a token or with a wrong one', async () => {
    const missing = RecordingSocket.open(`${wsUrl}/ws?topics=training`);
    const wrong = RecordingSocket.open(`${wsUrl}/ws?topics=training&token=wrong-token`);

    await expect(missing).rejects.toMatchObject({ statusCode: 401 });
    await expect(wrong).rejects.toMatchObject({ statusCode: 401 });
  });

  it('streams committed events of the chosen topics to a client authenticated by query token', async () => {
    const client = await connect(`topics=training&token=${KEY}`);

    await outbox.publish(trainingEvent(1), { topic: 'budget', type: 'budget.alert', data: { pct: 80 } });
    const [event] = await client.waitFor(1);

    expect(event).toMatchObject({
      job_id: 'job-1',
      status: 'running',
      _topic: 'training',
      _type: 'job.status_changed',
      _subject: 'job-1',
      _id: expect.any(Number),
      _timestamp: expect.any(Number),
    });
    await eventually(() => expect(client.events().some((e) => e._topic === 'budget')).toBe(false));
  });

  it('accepts the token as a subprotocol, the way browsers can send it', async () => {
    const client = await connect('topics=training', ['artenic.bearer', KEY]);

    await outbox.publish(trainingEvent(2));
    const events = await client.waitFor(1);

    expect(client.socket.protocol).toBe('artenic.bearer');
    expect(events[0]?.job_id).toBe('job-2');
  });

  it('gives a reconnecting client exactly the events it missed, in order, then live ones', async () => {
    const first = await connect(`topics=training&token=${KEY}`);
    await outbox.publish(trainingEvent(10), trainingEvent(11));
    const seen = await first.waitFor(2);
    const lastId = seen[1]?._id as number;
    first.close();
    await first.closed();

    await outbox.publish(trainingEvent(12));
    await outbox.publish(trainingEvent(13), { topic: 'health', type: 'x', data: {} }, trainingEvent(14));
    await t.app.get(EventRelay).pump();
    const again = await connect(`topics=training&token=${KEY}&since=${lastId}`);
    await outbox.publish(trainingEvent(15));
    const events = await again.waitFor(4);

    expect(events.map((e) => e.n)).toEqual([12, 13, 14, 15]);
    const ids = events.map((e) => e._id as number);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    await eventually(() => expect(again.events()).toHaveLength(4), { timeoutMs: 300 });
  });

  it('sends a heartbeat after a quiet period', async () => {
    const client = await connect(`topics=training&token=${KEY}`);

    await eventually(() => expect(client.messages).toContainEqual({ type: 'heartbeat' }), {
      timeoutMs: 3000,
    });
  });

  it('closes the connection with 1008 for an unknown topic or a bad since', async () => {
    const unknown = await connect(`topics=training,nope&token=${KEY}`);
    const badSince = await connect(`topics=training&since=-3&token=${KEY}`);

    expect(await unknown.closed()).toBe(1008);
    expect(unknown.closeReason).toContain('nope');
    expect(await badSince.closed()).toBe(1008);
  });
});

describe('WebSocket clients at shutdown and under backpressure', () => {
  it('closes a client that cannot keep up with 1013 instead of feeding it a partial stream', async () => {
    const t = await startApp({ env: { ARTENIC_WS__MAX_BUFFERED_BYTES: '1024' } });
    const client = await RecordingSocket.open(`${t.url.replace('http', 'ws')}/ws?topics=training`);
    client.socket.pause(); // stop reading: the server's send buffer fills up
    const big = 'x'.repeat(64 * 1024);

    for (let i = 0; i < 200; i += 1) {
      await t.app.get(EventOutbox).publish({ topic: 'training', type: 'bulk', data: { i, big } });
    }
    client.socket.resume();

    expect(await client.closed(10000)).toBe(1013);
    await t.close();
  });

  it('closes clients with 1001 when the application shuts down', async () => {
    const t = await startApp();
    const client = await RecordingSocket.open(`${t.url.replace('http', 'ws')}/ws?topics=training`);

    await t.close();

    expect(await client.closed()).toBe(1001);
  });
});
