import { DataSource } from 'typeorm';
import { TrainingPollEntity } from '@app/training/training-poll.entity';
import { TrainingPoller } from '@app/training/training-poller';
import { startApp, type TestApp } from './support/test-app';
import { trainingClient } from './training-support';

jest.setTimeout(30_000);

describe('training with the mock provider', () => {
  let t: TestApp;
  let c: ReturnType<typeof trainingClient>;

  beforeAll(async () => {
    t = await startApp({
      env: {
        ARTENIC_TRAINING__POLL_INTERVAL_MS: '3600000',
        ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '0',
        ARTENIC_SPOT__MAX_PREEMPTION_RETRIES: '2',
        ARTENIC_SPOT__FAILOVER_REGIONS: '["mock-region-1","mock-region-2"]',
      },
    });
    c = trainingClient(t);
  });
  afterAll(() => t.close());

  it('runs pending → provisioning → running → completed, one event per transition', async () => {
    const res = await c.dispatch({
      config: { mock: { duration_seconds: 0.4 } },
      instance_type: 'mock-cpu-small',
    });

    const done = await c.until(res.body.job_id, 'completed');

    expect(res.body).toMatchObject({ status: 'pending', provider: 'mock' });
    expect(res.body.job_id).toHaveLength(36);
    expect(done.metrics).toEqual({ accuracy: 0.95, loss: 0.05 });
    expect(done.provider_job_id).toMatch(/^mock-/);
    expect(done.progress).toBe(1);
    expect(done.completed_at).not.toBeNull();
    const events = await c.events(done.id);
    expect(events.map((e) => e.status)).toEqual(['pending', 'provisioning', 'running', 'completed']);
    expect(events.every((e) => e.attempt === 1)).toBe(true);
  });

  it('fails a job whose process fails, counting the failure', async () => {
    const res = await c.dispatch({ config: { mock: { duration_seconds: 5, fail_at_seconds: 0.2 } } });

    const failed = await c.until(res.body.job_id, 'failed');

    expect(failed.error).toContain('exited with code 1');
    expect(failed.failure_count).toBe(1);
    expect((await c.events(failed.id)).map((e) => e.status)).toEqual([
      'pending',
      'provisioning',
      'running',
      'failed',
    ]);
  });

  it('fails a job whose provisioning fails', async () => {
    const res = await c.dispatch({ config: { mock: { provision_error: 'quota exceeded' } } });

    const failed = await c.until(res.body.job_id, 'failed');

    expect(failed.error).toBe('Provisioning failed: quota exceeded');
    expect((await c.events(failed.id)).map((e) => e.status)).toEqual(['pending', 'failed']);
  });

  it('cancels a running job, and refuses to cancel it again (409)', async () => {
    const res = await c.dispatch({ config: { mock: { duration_seconds: 600 } } });
    await c.until(res.body.job_id, 'running');

    const cancelled = await t.http().post(`/api/v1/training/${res.body.job_id}/cancel`);
    const again = await t.http().post(`/api/v1/training/${res.body.job_id}/cancel`);

    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.completed_at).not.toBeNull();
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('JOB_ALREADY_FINISHED');
    await c.tick();
    expect((await c.job(res.body.job_id)).status).toBe('cancelled');
  });

  it('fails a job past its max runtime (stuck detection) and tears it down', async () => {
    const res = await c.dispatch({ config: { mock: { duration_seconds: 600 } }, max_runtime_hours: 0.0003 });

    const failed = await c.until(res.body.job_id, 'failed');

    expect(failed.error).toMatch(/Exceeded max runtime of 0\.\d+h/);
  });

  it('recovers a preempted spot job on the same job id, resuming from the checkpoint, and sums the cost', async () => {
    const res = await c.dispatch({
      instance_type: 'mock-gpu-a100',
      is_spot: true,
      region: 'mock-region-1',
      config: { mock: { duration_seconds: 0.5, preempt_at_seconds: 0.4, preempt_attempts: 1 } },
    });

    const done = await c.until(res.body.job_id, 'completed');

    expect(done.id).toBe(res.body.job_id);
    expect([done.attempt, done.preemption_count, done.failure_count]).toEqual([2, 1, 0]);
    const [first, second] = done.attempts;
    expect(first).toMatchObject({ status: 'preempted', spot: true, region: 'mock-region-1' });
    expect(second).toMatchObject({ status: 'succeeded', spot: true, region: 'mock-region-2' });
    expect(second?.resume_from).toBe(first?.checkpoint_uri);
    expect(first?.cost_micros).toBeGreaterThanOrEqual(83); // ≥ 0.4 s at 0.75 EUR/h spot
    expect(done.cost_micros).toBe((first?.cost_micros ?? 0) + (second?.cost_micros ?? 0));
    const statuses = (await c.events(done.id)).map((e) => e.status);
    expect(statuses).toEqual([
      'pending',
      'provisioning',
      'running',
      'preempted',
      'recovering',
      'running',
      'completed',
    ]);
  });

  it('falls back to on-demand after the last spot retry', async () => {
    const res = await c.dispatch({
      instance_type: 'mock-gpu-a100',
      is_spot: true,
      config: { mock: { duration_seconds: 0.1, preempt_at_seconds: 0 } },
    });

    const done = await c.until(res.body.job_id, 'completed');

    expect(done.attempts.map((a) => [a.spot, a.status])).toEqual([
      [true, 'preempted'],
      [true, 'preempted'],
      [true, 'preempted'],
      [false, 'succeeded'],
    ]);
    expect([done.preemption_count, done.is_spot, done.requested_spot]).toEqual([3, false, true]);
    expect(done.cost_micros).toBe(done.attempts.reduce((sum, a) => sum + a.cost_micros, 0));
  });

  it('fails a spot job after the last retry when on-demand fallback is refused', async () => {
    const res = await c.dispatch({
      is_spot: true,
      fallback_to_on_demand: false,
      config: { mock: { duration_seconds: 1, preempt_at_seconds: 0 } },
    });

    const failed = await c.until(res.body.job_id, 'failed');

    expect(failed.error).toBe('Max preemption retries exceeded (2)');
    expect([failed.attempt, failed.preemption_count, failed.failure_count]).toEqual([3, 3, 0]);
  });
});

describe('training API contract', () => {
  let t: TestApp;
  let c: ReturnType<typeof trainingClient>;

  beforeAll(async () => {
    t = await startApp({ env: { ARTENIC_TRAINING__POLL_INTERVAL_MS: '3600000' } });
    c = trainingClient(t);
  });
  afterAll(() => t.close());

  it('refuses an unknown provider with 400 naming the enabled ones', async () => {
    const res = await c.dispatch({ provider: 'nope' });

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_PROVIDER');
    expect(res.body.error.message).toContain('local, mock');
  });

  it('answers 404 for an unknown job, on read, cancel and logs', async () => {
    const id = '00000000-0000-4000-8000-000000000000';

    const statuses = await Promise.all([
      t.http().get(`/api/v1/training/${id}`),
      t.http().post(`/api/v1/training/${id}/cancel`),
      t.http().get(`/api/v1/training/${id}/logs`),
    ]);

    expect(statuses.map((r) => r.status)).toEqual([404, 404, 404]);
  });

  it('gives the same job for the same Idempotency-Key and body, 409 for another body', async () => {
    const headers = { 'Idempotency-Key': 'dispatch-1' };

    const first = await c.dispatch({ model: 'idem' }, headers);
    const second = await c.dispatch({ model: 'idem' }, headers);
    const other = await c.dispatch({ model: 'other' }, headers);

    expect(second.body.job_id).toBe(first.body.job_id);
    expect(other.status).toBe(409);
  });

  it('lists jobs with filters and pagination', async () => {
    for (let i = 0; i < 5; i++)
      await c.dispatch({
        service: 'listed',
        provider: i < 3 ? 'mock' : 'local',
        config: { command: ['true'] },
      });

    const all = await t.http().get('/api/v1/training/jobs?service=listed');
    const local = await t.http().get('/api/v1/training/jobs?service=listed&provider=local');
    const pages = await Promise.all(
      [0, 2, 4].map((o) => t.http().get(`/api/v1/training/jobs?service=listed&limit=2&offset=${o}`)),
    );
    const bad = await t.http().get('/api/v1/training/jobs?limit=0');

    expect(all.body).toHaveLength(5);
    expect(local.body).toHaveLength(2);
    const ids = pages.flatMap((p) => (p.body as Array<{ id: string }>).map((j) => j.id));
    expect(pages.map((p) => p.body.length)).toEqual([2, 2, 1]);
    expect(new Set(ids).size).toBe(5);
    expect(bad.status).toBe(400);
  });

  it('predicts cost from the price catalogue, and from past outcomes once there are some', async () => {
    const body = {
      service: 'est',
      model: 'e',
      max_runtime_hours: 10,
      candidates: [
        { provider: 'mock', instance_type: 'mock-gpu-a100' },
        { provider: 'mock', instance_type: 'mock-gpu-a100', is_spot: true },
      ],
    };

    const res = await t.http().post('/api/v1/training/estimate').send(body);
    const unknown = await t
      .http()
      .post('/api/v1/training/estimate')
      .send({ ...body, candidates: [{ provider: 'nope' }] });

    expect(res.status).toBe(200);
    expect(res.body.estimates.map((e: { cost_p90_micros: number }) => e.cost_p90_micros)).toEqual([
      7_500_000, 25_000_000,
    ]);
    expect(res.body.cheapest).toMatchObject({ is_spot: true, basis: 'max_runtime', currency: 'EUR' });
    expect(unknown.status).toBe(400);
  });

  it('stores the prediction on the job and returns the reference estimate fields', async () => {
    const res = await c.dispatch({ instance_type: 'mock-gpu-a100', max_runtime_hours: 10 });

    const stored = await c.job(res.body.job_id);

    expect(res.body.cost_estimate_eur).toBe(25);
    expect(res.body.cost_per_hour_eur).toBe(2.5);
    expect(stored.predicted_cost_p90_micros).toBe(25_000_000);
  });

  it('lists enabled providers with capabilities', async () => {
    const res = await t.http().get('/api/v1/providers');

    expect(res.status).toBe(200);
    expect(res.body.map((p: { name: string }) => p.name)).toEqual(['local', 'mock']);
    expect(res.body[1].capabilities.spot).toBe(true);
  });
});

describe('training poll history', () => {
  let t: TestApp;
  let c: ReturnType<typeof trainingClient>;

  beforeAll(async () => {
    t = await startApp({
      env: { ARTENIC_TRAINING__POLL_INTERVAL_MS: '3600000', ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '0' },
    });
    c = trainingClient(t);
  });
  afterAll(() => t.close());

  it('records each claim with its release, and prunes records past the retention', async () => {
    const res = await c.dispatch({ config: { mock: { duration_seconds: 0.2 } } });
    await c.until(res.body.job_id, 'completed');
    const repo = t.app.get(DataSource).getRepository(TrainingPollEntity);
    const claims = await repo.find({ where: { job_id: res.body.job_id } });

    await t.app.get(TrainingPoller).pruneHistory(1);
    const kept = await repo.count({ where: { job_id: res.body.job_id } });
    await repo.update({ job_id: res.body.job_id }, { claimed_at: new Date(Date.now() - 2 * 3600_000) });
    await t.app.get(TrainingPoller).pruneHistory(1);

    expect(claims.length).toBeGreaterThanOrEqual(3);
    expect(claims.every((p) => p.released_at !== null)).toBe(true);
    expect(new Set(claims.map((p) => Number(p.lease_token))).size).toBe(claims.length);
    expect(kept).toBe(claims.length);
    expect(await repo.count({ where: { job_id: res.body.job_id } })).toBe(0);
  });
});
