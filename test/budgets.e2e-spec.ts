import { DataSource } from 'typeorm';
import { PeriodicTasks } from '@app/common/periodic/periodic-tasks';
import { METERING_TASK } from '@app/budgets/budget-metering';
import { FakeWebhookReceiver } from './fakes/webhook-receiver/webhook-receiver';
import { trainingClient } from './training-support';
import { eventually } from './support/eventually';
import { startApp, type TestApp } from './support/test-app';

const ENV = {
  ARTENIC_WEBHOOK__ALLOW_PRIVATE_TARGETS: 'true',
  ARTENIC_WEBHOOK__POLL_INTERVAL_MS: '50',
  ARTENIC_WEBHOOK__BACKOFF_BASE_SECONDS: '0.05',
  ARTENIC_WEBHOOK__BACKOFF_MAX_SECONDS: '0.2',
  ARTENIC_BUDGET__METERING_INTERVAL_SECONDS: '1',
};
const EUR = 1_000_000;
/** mock-gpu-a100 costs 2.5 EUR/h: 12 h of max runtime is a predicted (p90) cost of 30 EUR. */
const GPU_30_EUR = {
  instance_type: 'mock-gpu-a100',
  max_runtime_hours: 12,
  config: { mock: { duration_seconds: 3600 } },
};

interface Spending {
  budget_id: number;
  limit: number;
  spent: number;
  reserved: number;
  remaining: number;
  forecast: number | null;
  currency: string;
  alerts: Array<{ alert_type: string; threshold_pct: number; webhook_sent: boolean; created_at: string }>;
}

describe('budgets', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: ENV });
  });
  afterAll(() => t.close());

  const createBudget = async (body: Record<string, unknown>) => {
    const res = await t
      .http()
      .post('/api/v1/budgets')
      .send({ period: 'monthly', ...body });
    expect(res.status).toBe(200);
    return res.body as { id: number; enforcement: string };
  };
  const spendingOf = async (budgetId: number): Promise<Spending> => {
    const res = await t.http().get('/api/v1/budgets/spending');
    expect(res.status).toBe(200);
    const found = (res.body as Spending[]).find((s) => s.budget_id === budgetId);
    if (!found) throw new Error(`no spending for budget ${budgetId}`);
    return found;
  };
  /** The ledger, summed independently of the spending endpoint. */
  const ledgerSum = async (service: string) => {
    const rows: Array<{ total: unknown }> = await t.app
      .get(DataSource)
      .query(
        `SELECT COALESCE(SUM(amount_micros), 0) AS total FROM budget_spend WHERE service = '${service}'`,
      );
    return Number(rows[0]?.total ?? 0);
  };
  const heldReservations = async (budgetId: number) => {
    const rows: Array<{ total: unknown }> = await t.app
      .get(DataSource)
      .query(
        `SELECT COALESCE(SUM(amount_micros), 0) AS total FROM budget_reservations WHERE budget_id = ${budgetId}`,
      );
    return Number(rows[0]?.total ?? 0);
  };
  const expectAddsUp = (s: Spending, ledger: number) => {
    expect(s.spent).toBe(ledger);
    expect(s.remaining).toBe(s.limit - s.spent - s.reserved);
  };

  describe('CRUD and validation', () => {
    it('creates with the reference fields and answers 200 with limit in micros and in EUR', async () => {
      const res = await t.http().post('/api/v1/budgets').send({
        scope: 'service',
        scope_value: 'crud-svc',
        period: 'daily',
        limit_eur: 250.5,
        alert_threshold_pct: 60,
      });

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: expect.any(Number),
        scope: 'service',
        scope_value: 'crud-svc',
        period: 'daily',
        limit: 250_500_000,
        limit_eur: 250.5,
        currency: 'EUR',
        alert_threshold_pct: 60,
        alert_thresholds: [60, 100],
        enforcement: 'block',
        enforcement_override: null,
        enabled: true,
      });
      expect(res.body.created_at).toMatch(/Z$/);
    });

    it.each([
      [{ scope: 'service', scope_value: 's', period: 'yearly', limit_eur: 1 }, 'period'],
      [{ scope: 'service', scope_value: 's', period: 'daily', limit_eur: 0 }, 'limit_eur'],
      [{ scope: 'team', scope_value: 's', period: 'daily', limit_eur: 1 }, 'scope'],
      [{ scope: 'service', scope_value: 's', period: 'daily', limit: 1.5, currency: 'EUR' }, 'limit'],
      [{ scope: 'service', scope_value: 's', period: 'daily', limit: 1, currency: 'euro' }, 'currency'],
      [
        { scope: 'service', scope_value: 's', period: 'daily', limit_eur: 1, alert_thresholds: [-5] },
        'alert_thresholds',
      ],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const res = await t.http().post('/api/v1/budgets').send(body);

      expect(res.status).toBe(400);
      expect(res.body.error.details.errors.map((e: { loc: string[] }) => e.loc[1])).toContain(field);
    });

    it('refuses a missing limit and a missing scope value with 400 naming the fields', async () => {
      const noLimit = await t
        .http()
        .post('/api/v1/budgets')
        .send({ scope: 'service', scope_value: 's', period: 'daily' });
      const noValue = await t
        .http()
        .post('/api/v1/budgets')
        .send({ scope: 'user', period: 'daily', limit_eur: 5 });

      expect(noLimit.status).toBe(400);
      expect(noLimit.body.error).toMatchObject({
        code: 'BUDGET_LIMIT_REQUIRED',
        details: { fields: ['limit', 'limit_eur'] },
      });
      expect(noValue.status).toBe(400);
      expect(noValue.body.error).toMatchObject({
        code: 'BUDGET_SCOPE_VALUE_REQUIRED',
        details: { field: 'scope_value' },
      });
    });

    it('reads, lists, updates and deletes; unknown ids are 404 and non-integer ids 400', async () => {
      const created = await createBudget({
        scope: 'provider',
        scope_value: 'mock',
        limit: 5 * EUR,
        currency: 'USD',
      });

      const updated = await t
        .http()
        .put(`/api/v1/budgets/${created.id}`)
        .send({
          limit_eur: 7,
          alert_thresholds: [90, 50],
          enforcement: 'warn',
          enabled: false,
        });
      const listedEnabled = await t.http().get('/api/v1/budgets?scope=provider');
      const listedAll = await t.http().get('/api/v1/budgets?scope=provider&enabled_only=false');
      const deleted = await t.http().delete(`/api/v1/budgets/${created.id}`);
      const missing = await t.http().get(`/api/v1/budgets/${created.id}`);
      const badId = await t.http().put('/api/v1/budgets/abc').send({ enabled: true });

      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({
        limit: 7 * EUR,
        currency: 'USD',
        alert_thresholds: [50, 90],
        enforcement: 'warn',
        enabled: false,
      });
      expect(listedEnabled.body.map((b: { id: number }) => b.id)).not.toContain(created.id);
      expect(listedAll.body.map((b: { id: number }) => b.id)).toContain(created.id);
      expect(deleted.status).toBe(204);
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('BUDGET_NOT_FOUND');
      expect(badId.status).toBe(400);
      expect(badId.body.error.details.errors[0].loc).toEqual(['path', 'budget_id']);
    });
  });

  it('admits exactly 3 of 20 concurrent 30 EUR jobs against a 100 EUR budget; 17 get 402 with the amounts', async () => {
    const c = trainingClient(t);
    const budget = await createBudget({ scope: 'service', scope_value: 'race', limit_eur: 100 });

    const results = await Promise.all(
      Array.from({ length: 20 }, () => c.dispatch({ service: 'race', ...GPU_30_EUR })),
    );

    const admitted = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 402);
    expect(admitted).toHaveLength(3);
    expect(refused).toHaveLength(17);
    for (const r of refused) {
      // Metering may already have turned part of a reservation into spend: together they stay at 90 EUR.
      const details = r.body.error.details as { spent: number; reserved: number };
      expect(r.body.error).toMatchObject({
        code: 'BUDGET_EXCEEDED',
        details: { budget_id: budget.id, limit: 100 * EUR, requested: 30 * EUR, currency: 'EUR' },
      });
      expect(details.spent + details.reserved).toBe(90 * EUR);
    }
    const jobs = await t.http().get('/api/v1/training/jobs?service=race&limit=100');
    expect(jobs.body).toHaveLength(3);
    expect(await heldReservations(budget.id)).toBe(90 * EUR);
    const spending = await spendingOf(budget.id);
    expect(spending.limit).toBe(100 * EUR);
    expect(spending.spent + spending.reserved).toBe(90 * EUR);
    expectAddsUp(spending, await ledgerSum('race'));
  });

  it('meters a running job past 80% then 100%: one alert and one signed webhook per threshold, cancelled in block mode', async () => {
    const c = trainingClient(t);
    const receiver = await FakeWebhookReceiver.start();
    const hook = await t
      .http()
      .post('/api/v1/webhooks')
      .send({ url: receiver.url, event_types: ['budget.threshold_crossed'] });
    receiver.secret = hook.body.secret as string;
    const dispatched = await c.dispatch({ service: 'metered', ...GPU_30_EUR });
    const jobId = dispatched.body.job_id as string;
    await c.until(jobId, 'running');
    // 2.5 EUR/h is ~694 micros per second: 80% of 1800 micros after ~2.1 s of running, 100% after ~2.6 s.
    const budget = await createBudget({
      scope: 'service',
      scope_value: 'metered',
      period: 'daily',
      limit: 1800,
      alert_thresholds: [80, 100],
      enforcement: 'block',
    });

    const cancelled = await eventually(
      async () => {
        const job = await c.job(jobId);
        expect(job.status).toBe('cancelled');
        return job;
      },
      { timeoutMs: 9000, intervalMs: 100 },
    );

    await t.app.get(PeriodicTasks).runNow(METERING_TASK);
    await t.app.get(PeriodicTasks).runNow(METERING_TASK);
    const spending = await spendingOf(budget.id);
    const thresholds = spending.alerts
      .filter((a) => a.alert_type === 'threshold_exceeded')
      .map((a) => a.threshold_pct);
    expect(thresholds.sort((a, b) => a - b)).toEqual([80, 100]);
    const at100 = spending.alerts.find((a) => a.threshold_pct === 100)!;
    expect(new Date(cancelled.completed_at!).getTime() - new Date(at100.created_at).getTime()).toBeLessThan(
      1000,
    );
    expect(spending.spent).toBeGreaterThanOrEqual(1800);
    expectAddsUp(spending, await ledgerSum('metered'));
    await eventually(() => expect(receiver.processed()).toHaveLength(2));
    expect(receiver.processed().every((w) => w.verified)).toBe(true);
    expect(
      receiver
        .processed()
        .map((w) => w.json.data as { threshold_pct: number })
        .map((d) => d.threshold_pct)
        .sort(),
    ).toEqual([100, 80]);
    await eventually(async () =>
      expect((await spendingOf(budget.id)).alerts.every((a) => a.webhook_sent)).toBe(true),
    );
    await receiver.close();
  }, 15_000);

  it('warn mode admits a job over the limit, reserves it and records the alert', async () => {
    const c = trainingClient(t);
    const budget = await createBudget({
      scope: 'service',
      scope_value: 'warned',
      limit_eur: 10,
      enforcement: 'warn',
    });

    const res = await c.dispatch({ service: 'warned', ...GPU_30_EUR });

    expect(res.status).toBe(200);
    const spending = await spendingOf(budget.id);
    expect(spending).toMatchObject({ reserved: 30 * EUR, remaining: -20 * EUR });
    expect(spending.alerts).toEqual([
      expect.objectContaining({ alert_type: 'admission_over_limit', threshold_pct: 100, pct_used: 300 }),
    ]);
    expectAddsUp(spending, await ledgerSum('warned'));
  });

  it('releases a reservation when its job ends', async () => {
    const c = trainingClient(t);
    const budget = await createBudget({ scope: 'service', scope_value: 'released', limit_eur: 100 });
    const res = await c.dispatch({ service: 'released', ...GPU_30_EUR });
    const before = await spendingOf(budget.id);

    const cancel = await t.http().post(`/api/v1/training/${res.body.job_id as string}/cancel`);

    expect(cancel.status).toBe(200);
    expect(before.spent + before.reserved).toBe(30 * EUR);
    const after = await spendingOf(budget.id);
    expect(after.reserved).toBe(0);
    expectAddsUp(after, await ledgerSum('released'));
  });
});

describe('budgets: platform default enforcement mode', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({ env: { ...ENV, ARTENIC_BUDGET__ENFORCEMENT_MODE: 'warn' } });
  });
  afterAll(() => t.close());

  it('follows ARTENIC_BUDGET__ENFORCEMENT_MODE and a live settings change', async () => {
    const c = trainingClient(t);
    const created = await t.http().post('/api/v1/budgets').send({
      scope: 'global',
      period: 'total',
      limit_eur: 1,
    });

    const warned = await c.dispatch({ service: 'any', ...GPU_30_EUR });
    const changed = await t.http().put('/api/v1/settings/global/budget').send({ enforcement_mode: 'block' });
    const blocked = await c.dispatch({ service: 'any', ...GPU_30_EUR });
    const after = await t.http().get(`/api/v1/budgets/${created.body.id}`);

    expect(created.body).toMatchObject({ scope_value: '*', enforcement: 'warn', enforcement_override: null });
    expect(warned.status).toBe(200);
    expect(changed.status).toBe(200);
    expect(blocked.status).toBe(402);
    expect(blocked.body.error.details).toMatchObject({
      budget_id: created.body.id,
      reserved: 30 * EUR,
      requested: 30 * EUR,
    });
    expect(after.body.enforcement).toBe('block');
  });
});
