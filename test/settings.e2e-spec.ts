import { PeriodicTasks } from '@app/common/periodic/periodic-tasks';
import { EventStore } from '@app/events/event-store';
import { RuntimeSettings, type SettingsChange } from '@app/settings/runtime-settings.service';
import { eventually } from './support/eventually';
import { startApp, type TestApp } from './support/test-app';

const ADMIN = 'admin-key-0123456789';
const OPS = 'ops-key-0123456789abc';

describe('runtime settings', () => {
  let t: TestApp;
  const as = (key: string) => ({ Authorization: `Bearer ${key}` });

  beforeAll(async () => {
    t = await startApp({
      env: {
        ARTENIC_API_KEY: ADMIN,
        ARTENIC_API_KEYS: JSON.stringify({ ops: OPS }),
        ARTENIC_BUDGET__ALERT_THRESHOLD_PCT: '75',
      },
    });
  });
  afterAll(() => t.close());

  describe('schema', () => {
    it('describes every field with type, default from the boot configuration, bounds and apply mode', async () => {
      const res = await t.http().get('/api/v1/settings/schema').set(as(ADMIN));

      expect(res.status).toBe(200);
      const budget = (res.body.global as Array<{ name: string; fields: unknown[] }>).find(
        (s) => s.name === 'budget',
      );
      expect(budget?.fields).toContainEqual({
        key: 'alert_threshold_pct',
        label: 'Alert Threshold %',
        type: 'float',
        default: 75,
        min: 0,
        max: 100,
        secret: false,
        apply: 'live',
        restart_required: false,
        description: expect.any(String),
      });
      expect(budget?.fields).toContainEqual(
        expect.objectContaining({ key: 'enforcement_mode', choices: ['block', 'warn'] }),
      );
    });

    it('serves one scope and one section, and names an unknown scope or section in a 404', async () => {
      const scope = await t.http().get('/api/v1/settings/schema/global').set(as(ADMIN));
      const section = await t.http().get('/api/v1/settings/schema/global/rate_limit').set(as(ADMIN));
      const badScope = await t.http().get('/api/v1/settings/schema/tenant').set(as(ADMIN));
      const badSection = await t.http().get('/api/v1/settings/schema/global/nope').set(as(ADMIN));

      expect(scope.status).toBe(200);
      expect(scope.body.map((s: { name: string }) => s.name)).toEqual(
        expect.arrayContaining(['rate_limit', 'webhook']),
      );
      expect(section.body.fields.map((f: { key: string }) => f.key)).toEqual(['per_minute', 'burst']);
      expect(badScope.status).toBe(404);
      expect(badScope.body.error).toMatchObject({
        code: 'SETTINGS_SCOPE_NOT_FOUND',
        message: expect.stringContaining("'tenant'"),
      });
      expect(badSection.status).toBe(404);
      expect(badSection.body.error).toMatchObject({
        code: 'SETTINGS_SECTION_NOT_FOUND',
        message: expect.stringContaining("'nope'"),
      });
    });
  });

  describe('values', () => {
    it('returns the effective values of a scope and of a section as strings', async () => {
      const scope = await t.http().get('/api/v1/settings/global').set(as(ADMIN));
      const section = await t.http().get('/api/v1/settings/global/budget').set(as(ADMIN));

      expect(scope.status).toBe(200);
      expect(scope.body.budget).toEqual(section.body);
      expect(section.body).toMatchObject({
        enabled: 'true',
        enforcement_mode: 'block',
        alert_threshold_pct: '75',
      });
    });

    it('answers 404 for an unknown scope or section, including writes to the static paths', async () => {
      const scope = await t.http().get('/api/v1/settings/tenant').set(as(ADMIN));
      const section = await t.http().get('/api/v1/settings/global/nope').set(as(ADMIN));
      const put = await t.http().put('/api/v1/settings/global/nope').set(as(ADMIN)).send({ a: '1' });
      const putAudit = await t.http().put('/api/v1/settings/audit/log').set(as(ADMIN)).send({ a: '1' });

      expect([scope.status, section.status, put.status, putAudit.status]).toEqual([404, 404, 404, 404]);
      expect(put.body.error.message).toContain("'nope'");
    });
  });

  describe('validation', () => {
    it.each([
      [{ nope: '1' }, 'nope', 'unknown_key'],
      [{ per_minute: 'fast' }, 'per_minute', 'int_parsing'],
      [{ per_minute: '1.5' }, 'per_minute', 'int_parsing'],
      [{ per_minute: '-1' }, 'per_minute', 'greater_than_equal'],
      [{ burst: 0 }, 'burst', 'greater_than_equal'],
      [{ burst: true }, 'burst', 'int_parsing'],
    ])('refuses %j with a 400 naming the key', async (body, key, type) => {
      const res = await t.http().put('/api/v1/settings/global/rate_limit').set(as(ADMIN)).send(body);

      expect(res.status).toBe(400);
      expect(res.body.error.details.errors).toContainEqual({
        loc: ['body', key],
        msg: expect.any(String),
        type,
      });
    });

    it('refuses a choice outside the list, a bad list and a body that is not an object', async () => {
      const mode = await t
        .http()
        .put('/api/v1/settings/global/budget')
        .set(as(ADMIN))
        .send({ enforcement_mode: 'maybe' });
      const regions = await t
        .http()
        .put('/api/v1/settings/global/spot')
        .set(as(ADMIN))
        .send({ failover_regions: 'eu' });
      const array = await t.http().put('/api/v1/settings/global/spot').set(as(ADMIN)).send(['x']);
      const empty = await t.http().put('/api/v1/settings/global/spot').set(as(ADMIN)).send({});

      expect(mode.status).toBe(400);
      expect(mode.body.error.details.errors[0]).toMatchObject({
        loc: ['body', 'enforcement_mode'],
        type: 'literal_error',
      });
      expect(regions.status).toBe(400);
      expect(regions.body.error.details.errors[0]).toMatchObject({
        loc: ['body', 'failover_regions'],
        type: 'list_type',
      });
      expect(array.status).toBe(400);
      expect(empty.status).toBe(400);
      expect(empty.body.error.code).toBe('EMPTY_SETTINGS_UPDATE');
    });

    it('writes nothing when one key of the body is invalid', async () => {
      const before = await t.http().get('/api/v1/settings/global/ab_test').set(as(ADMIN));

      const res = await t
        .http()
        .put('/api/v1/settings/global/ab_test')
        .set(as(ADMIN))
        .send({ default_min_samples: '500', max_concurrent_tests: '0' });

      expect(res.status).toBe(400);
      const after = await t.http().get('/api/v1/settings/global/ab_test').set(as(ADMIN));
      expect(after.body).toEqual(before.body);
    });
  });

  describe('updates', () => {
    it('stores typed values, answers the whole section and emits one config event without values of secrets', async () => {
      const store = t.app.get(EventStore);
      const since = await store.maxId();

      const res = await t.http().put('/api/v1/settings/global/spot').set(as(OPS)).send({
        prefer_spot: 'yes',
        max_preemption_retries: 7,
        failover_regions: '["eu-west-3","eu-central-1"]',
      });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        prefer_spot: 'true',
        max_preemption_retries: '7',
        failover_regions: '["eu-west-3","eu-central-1"]',
      });
      expect(t.app.get(RuntimeSettings).list('spot', 'failover_regions')).toEqual([
        'eu-west-3',
        'eu-central-1',
      ]);
      const events = await eventually(async () => {
        const found = (await store.readAfter(since, 100, ['config'])).filter(
          (e) => e.subject === 'global/spot',
        );
        expect(found).toHaveLength(1);
        return found;
      });
      expect(events[0]).toMatchObject({
        type: 'settings.updated',
        data: expect.objectContaining({
          section: 'spot',
          keys: ['prefer_spot', 'max_preemption_retries', 'failover_regions'],
          changed_by: 'ops',
        }),
      });
    });

    it('calls onChange listeners of the section with the new values', async () => {
      const runtime = t.app.get(RuntimeSettings);
      const seen: SettingsChange[] = [];
      const off = runtime.onChange('health', (change) => {
        seen.push(change);
      });

      await t.http().put('/api/v1/settings/global/health').set(as(ADMIN)).send({ drift_threshold: '0.45' });
      off();

      expect(seen).toEqual([
        expect.objectContaining({
          section: 'health',
          changed: ['drift_threshold'],
          values: expect.objectContaining({ drift_threshold: 0.45 }),
        }),
      ]);
      expect(runtime.number('health', 'drift_threshold')).toBe(0.45);
    });

    it('reschedules the background loop a setting drives', async () => {
      const res = await t
        .http()
        .put('/api/v1/settings/global/events')
        .set(as(ADMIN))
        .send({ poll_interval_ms: '750' });

      expect(res.status).toBe(200);
      const relay = t.app
        .get(PeriodicTasks)
        .statuses()
        .find((s) => s.name === 'events.relay');
      expect(relay?.interval_ms).toBe(750);
    });

    it('changes the 429 threshold on the next requests', async () => {
      const res = await t
        .http()
        .put('/api/v1/settings/global/rate_limit')
        .set(as(OPS))
        .send({ per_minute: '30', burst: '3' });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i += 1)
        statuses.push((await t.http().get('/api/v1/settings/global/ensemble').set(as(ADMIN))).status);

      expect(res.status).toBe(200);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const loosen = await t
        .http()
        .put('/api/v1/settings/global/rate_limit')
        .set(as(OPS))
        .send({ per_minute: '0' });
      expect(loosen.status).toBe(200);
      expect((await t.http().get('/api/v1/settings/global/ensemble').set(as(ADMIN))).status).toBe(200);
    });
  });

  describe('audit log', () => {
    it('records who changed what, filterable by key and actor, newest first, at both paths', async () => {
      await t.http().put('/api/v1/settings/global/canary').set(as(ADMIN)).send({ initial_traffic_pct: '20' });
      await t.http().put('/api/v1/settings/global/canary').set(as(OPS)).send({ initial_traffic_pct: '30' });

      const byKey = await t
        .http()
        .get('/api/v1/settings/audit?section=canary&key=initial_traffic_pct')
        .set(as(ADMIN));
      const byActor = await t
        .http()
        .get('/api/v1/settings/audit/log?section=canary&actor=ops')
        .set(as(ADMIN));

      expect(byKey.status).toBe(200);
      expect(byKey.headers['x-total-count']).toBe('2');
      expect(byKey.body).toEqual([
        expect.objectContaining({
          old_value: '20',
          new_value: '30',
          action: 'update',
          changed_by: 'ops',
          secret: false,
        }),
        expect.objectContaining({ old_value: '10', new_value: '20', action: 'create', changed_by: 'admin' }),
      ]);
      expect(byKey.body[0].changed_at).toMatch(/Z$/);
      expect(byKey.body[0].id).toBeGreaterThan(byKey.body[1].id);
      expect(byActor.body).toHaveLength(1);
    });

    it('paginates and filters by time', async () => {
      const all = await t.http().get('/api/v1/settings/audit?limit=500').set(as(ADMIN));
      const page = await t.http().get('/api/v1/settings/audit?limit=2&offset=1').set(as(ADMIN));
      const future = await t.http().get('/api/v1/settings/audit?since=2999-01-01T00:00:00Z').set(as(ADMIN));
      const past = await t.http().get('/api/v1/settings/audit?until=2000-01-01T00:00:00Z').set(as(ADMIN));

      expect(all.body.length).toBeGreaterThan(3);
      expect(page.body.map((e: { id: number }) => e.id)).toEqual(
        all.body.slice(1, 3).map((e: { id: number }) => e.id),
      );
      expect(future.body).toEqual([]);
      expect(past.body).toEqual([]);
    });

    it.each(['limit=0', 'limit=501', 'offset=-1', 'since=yesterday'])(
      'refuses %s with a 400',
      async (query) => {
        const res = await t.http().get(`/api/v1/settings/audit/log?${query}`).set(as(ADMIN));

        expect(res.status).toBe(400);
      },
    );
  });
});
