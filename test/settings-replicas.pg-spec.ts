import { RuntimeSettings } from '@app/settings/runtime-settings.service';
import { eventually } from './support/eventually';
import { createPgDatabase, startApp, type TestApp } from './support/test-app';

/** Requests until the first 429; returns how many were let through (bounded). */
async function allowedBefore429(t: TestApp, key: string): Promise<number> {
  for (let i = 0; i < 50; i += 1) {
    const res = await t
      .http()
      .get('/api/v1/settings/global/rate_limit')
      .set('Authorization', `Bearer ${key}`);
    if (res.status === 429) return i;
  }
  return 50;
}

describe('settings hot reload across replicas', () => {
  let db: { url: string; drop: () => Promise<void> };
  let a: TestApp;
  let b: TestApp;
  const env = {
    ARTENIC_API_KEYS: JSON.stringify({
      admin: 'admin-key-0123456789',
      c1: 'client-one-0123456789',
      c2: 'client-two-0123456789',
    }),
    ARTENIC_RATE_LIMIT_PER_MINUTE: '6000',
    ARTENIC_RATE_LIMIT_BURST: '200',
  };

  beforeAll(async () => {
    db = await createPgDatabase();
    a = await startApp({ databaseUrl: db.url, env });
    b = await startApp({ databaseUrl: db.url, env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('changes the 429 threshold on both replicas when the rate limit is changed through one', async () => {
    const res = await a
      .http()
      .put('/api/v1/settings/global/rate_limit')
      .set('Authorization', 'Bearer admin-key-0123456789')
      .send({ per_minute: '60', burst: '4' });
    await eventually(() => expect(b.app.get(RuntimeSettings).number('rate_limit', 'burst')).toBe(4));

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ per_minute: '60', burst: '4' });
    expect(await allowedBefore429(a, 'client-one-0123456789')).toBe(4);
    expect(await allowedBefore429(b, 'client-two-0123456789')).toBe(4);
  });

  it('applies a value written before a replica starts when it boots', async () => {
    await b
      .http()
      .put('/api/v1/settings/global/rate_limit')
      .set('Authorization', 'Bearer admin-key-0123456789')
      .send({ burst: '2' });

    const c = await startApp({ databaseUrl: db.url, env });

    try {
      expect(await allowedBefore429(c, 'client-one-0123456789')).toBe(2);
    } finally {
      await c.close();
    }
  });
});
