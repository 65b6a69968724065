import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventOutbox } from '@app/events/event-outbox';
import { SecretBox } from '@app/config/secret-box';
import { WebhookSubscriptionEntity } from '@app/webhooks/webhook-subscription.entity';
import { secretContext } from '@app/webhooks/webhook-secret-context';
import { FakeWebhookReceiver } from './fakes/webhook-receiver/webhook-receiver';
import { eventually } from './support/eventually';
import { startApp, type TestApp } from './support/test-app';

const FAST_RETRIES = {
  ARTENIC_WEBHOOK__ALLOW_PRIVATE_TARGETS: 'true',
  ARTENIC_WEBHOOK__RETRY_COUNT: '6',
  ARTENIC_WEBHOOK__BACKOFF_BASE_SECONDS: '0.05',
  ARTENIC_WEBHOOK__BACKOFF_MAX_SECONDS: '0.2',
  ARTENIC_WEBHOOK__POLL_INTERVAL_MS: '50',
  ARTENIC_WEBHOOK__TIMEOUT_SECONDS: '0.5',
};

async function subscribe(t: TestApp, receiver: FakeWebhookReceiver, body: Record<string, unknown>) {
  const res = await t
    .http()
    .post('/api/v1/webhooks')
    .send({ url: receiver.url, ...body });
  expect(res.status).toBe(201);
  receiver.secret = res.body.secret as string;
  return res.body as { id: string; secret: string };
}

function publish(t: TestApp, type: string, topic: 'budget' | 'training' = 'budget') {
  return t.app.get(EventOutbox).publish({ topic, type, subject: randomUUID(), data: { n: type } });
}

describe('webhooks', () => {
  let t: TestApp;
  let receiver: FakeWebhookReceiver;

  beforeAll(async () => {
    t = await startApp({ env: FAST_RETRIES });
  });
  afterAll(() => t.close());
  beforeEach(async () => {
    receiver = await FakeWebhookReceiver.start();
  });
  afterEach(() => receiver.close());

  it('registers a subscription, shows its secret once and stores it encrypted', async () => {
    const created = await subscribe(t, receiver, { topics: ['budget'], description: 'ops' });

    const listed = await t.http().get('/api/v1/webhooks');
    const one = await t.http().get(`/api/v1/webhooks/${created.id}`);
    const stored = await t.app
      .get(DataSource)
      .getRepository(WebhookSubscriptionEntity)
      .findOneByOrFail({ id: created.id });

    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      id: created.id,
      url: receiver.url,
      topics: ['budget'],
      description: 'ops',
    });
    expect(one.body.secret).toBeUndefined();
    expect(listed.body.map((w: { id: string }) => w.id)).toContain(created.id);
    expect(JSON.stringify(listed.body)).not.toContain(created.secret);
    expect(stored.secret_sealed).not.toContain(created.secret.slice(6));
    expect(t.app.get(SecretBox).open(stored.secret_sealed, secretContext(created.id))).toBe(created.secret);
  });

  it('refuses invalid registrations with 400 naming the field', async () => {
    const noInterest = await t.http().post('/api/v1/webhooks').send({ url: receiver.url });
    const badTopic = await t
      .http()
      .post('/api/v1/webhooks')
      .send({ url: receiver.url, topics: ['nope'] });
    const badUrl = await t
      .http()
      .post('/api/v1/webhooks')
      .send({ url: 'ftp://x.example/', topics: ['budget'] });

    expect(noInterest.status).toBe(400);
    expect(noInterest.body.error.code).toBe('WEBHOOK_NOTHING_SUBSCRIBED');
    expect(badTopic.status).toBe(400);
    expect(badTopic.body.error.details.errors[0].loc).toEqual(['body', 'topics']);
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.error.details).toEqual({ field: 'url' });
  });

  it('delivers only what a subscription asked for, by topic or by event type, signed', async () => {
    const byTopic = await subscribe(t, receiver, { topics: ['budget'] });
    const other = await FakeWebhookReceiver.start();
    const byType = await subscribe(t, other, { event_types: ['training.completed'] });

    await publish(t, 'budget.threshold_crossed');
    await publish(t, 'training.completed', 'training');
    await publish(t, 'training.failed', 'training');

    await eventually(() => expect(receiver.processed()).toHaveLength(1));
    await eventually(() => expect(other.processed()).toHaveLength(1));
    expect(receiver.processed()[0]).toMatchObject({ event: 'budget_alert', verified: true });
    expect(receiver.processed()[0]!.json).toMatchObject({
      topic: 'budget',
      type: 'budget.threshold_crossed',
    });
    expect(other.processed()[0]).toMatchObject({ event: 'training.completed', verified: true });
    const deliveries = await t.http().get(`/api/v1/webhooks/${byType.id}/deliveries`);
    expect(deliveries.body).toEqual([
      expect.objectContaining({ event_type: 'training.completed', status: 'delivered', attempts: 1 }),
    ]);
    expect(receiver.processed()[0]!.id).not.toBe(other.processed()[0]!.id);
    await t.http().delete(`/api/v1/webhooks/${byTopic.id}`);
    await t.http().delete(`/api/v1/webhooks/${byType.id}`);
    await other.close();
  });

  it('retries while the receiver is down for 5 attempts: every event delivered once after de-dup', async () => {
    const sub = await subscribe(t, receiver, { topics: ['budget'] });
    receiver.setMode({ kind: 'down', attempts: 5 });

    await publish(t, 'budget.a');
    await publish(t, 'budget.b');
    await publish(t, 'budget.c');

    await eventually(() => expect(receiver.processed()).toHaveLength(3), { timeoutMs: 8000 });
    const processed = receiver.processed();
    expect(processed.map((p) => p.json.type).sort()).toEqual(['budget.a', 'budget.b', 'budget.c']);
    expect(processed.every((p) => p.verified)).toBe(true);
    expect(receiver.attempts.length).toBeGreaterThanOrEqual(8);
    const deliveries = await t.http().get(`/api/v1/webhooks/${sub.id}/deliveries?status=delivered`);
    expect(deliveries.body).toHaveLength(3);
    expect(deliveries.body.reduce((n: number, d: { attempts: number }) => n + d.attempts, 0)).toBe(
      receiver.attempts.length,
    );
    expect(new Set(receiver.attempts.map((a) => a.id))).toEqual(new Set(processed.map((p) => p.id)));
    await t.http().delete(`/api/v1/webhooks/${sub.id}`);
  });

  it('dead-letters a delivery whose receiver never answers, and redelivers it on request', async () => {
    const sub = await subscribe(t, receiver, { topics: ['budget'] });
    receiver.setMode({ kind: 'silent' });

    await publish(t, 'budget.silent');

    const [dead] = await eventually(
      async () => {
        const res = await t.http().get(`/api/v1/webhooks/${sub.id}/deliveries?status=dead_letter`);
        expect(res.body).toHaveLength(1);
        return res.body as Array<{ id: string; attempts: number; last_error: string }>;
      },
      { timeoutMs: 9000 },
    );
    expect(dead).toMatchObject({ attempts: 7, last_error: expect.stringContaining('no answer') });
    expect(receiver.attempts).toHaveLength(7);
    receiver.setMode({ kind: 'up' });
    const redeliver = await t.http().post(`/api/v1/webhooks/${sub.id}/deliveries/${dead!.id}/redeliver`);
    expect(redeliver.status).toBe(202);
    expect(redeliver.body).toMatchObject({ id: dead!.id, status: 'pending', redeliveries: 1 });
    await eventually(() => expect(receiver.processed()).toHaveLength(1));
    expect(receiver.processed()[0]).toMatchObject({ id: dead!.id, verified: true });
    const after = await t.http().get(`/api/v1/webhooks/${sub.id}/deliveries`);
    expect(after.body[0]).toMatchObject({ status: 'delivered', redeliveries: 1 });
  });

  it('answers 404 for unknown webhooks and deliveries, and deletes with 204', async () => {
    const sub = await subscribe(t, receiver, { topics: ['budget'] });

    const missing = await t.http().get(`/api/v1/webhooks/${randomUUID()}`);
    const missingDelivery = await t
      .http()
      .post(`/api/v1/webhooks/${sub.id}/deliveries/${randomUUID()}/redeliver`);
    const deleted = await t.http().delete(`/api/v1/webhooks/${sub.id}`);
    const gone = await t.http().get(`/api/v1/webhooks/${sub.id}/deliveries`);

    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('WEBHOOK_NOT_FOUND');
    expect(missingDelivery.status).toBe(404);
    expect(missingDelivery.body.error.code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
    expect(deleted.status).toBe(204);
    expect(gone.status).toBe(404);
  });
});

describe('webhooks SSRF guard (private targets not allowed)', () => {
  let t: TestApp;
  let receiver: FakeWebhookReceiver;

  beforeAll(async () => {
    t = await startApp({
      env: { ARTENIC_WEBHOOK__POLL_INTERVAL_MS: '50', ARTENIC_WEBHOOK__RETRY_COUNT: '0' },
    });
    receiver = await FakeWebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });

  it.each([
    'http://127.0.0.1:9/x',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]/x',
    'http://10.1.2.3/',
  ])('refuses %s at registration', async (url) => {
    const res = await t
      .http()
      .post('/api/v1/webhooks')
      .send({ url, topics: ['budget'] });

    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'WEBHOOK_TARGET_REFUSED', details: { field: 'url' } });
  });

  it('refuses a host name resolving to loopback', async () => {
    const res = await t
      .http()
      .post('/api/v1/webhooks')
      .send({ url: 'http://localhost:9/x', topics: ['budget'] });

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('WEBHOOK_TARGET_REFUSED');
  });

  it('checks again at send time: a target that became private is never contacted', async () => {
    // A subscription whose target turned private after registration (as after a DNS change).
    const id = randomUUID();
    await t.app
      .get(DataSource)
      .getRepository(WebhookSubscriptionEntity)
      .insert({
        id,
        url: receiver.url,
        topics: ['budget'],
        event_types: [],
        description: null,
        secret_sealed: t.app.get(SecretBox).seal('whsec_c2VjcmV0', secretContext(id)),
        enabled: true,
        created_by: 'test',
        created_at: new Date(Date.now() - 1000),
      });

    await publish(t, 'budget.private');

    const res = await eventually(async () => {
      const r = await t.http().get(`/api/v1/webhooks/${id}/deliveries?status=dead_letter`);
      expect(r.body).toHaveLength(1);
      return r;
    });
    expect(res.body[0].last_error).toContain('target refused');
    expect(receiver.attempts).toHaveLength(0);
  });
});
