/**
 * @jest-environment ./test/fixtures/onnx-node-environment.js
 */
import { startApp, type TestApp } from './support/test-app';
import { onnxWriter } from './fixtures/onnx-models';
import { PeriodicTasks } from '@app/common/periodic/periodic-tasks';
import { EventStore } from '@app/events/event-store';

describe('A/B tests end to end', () => {
  let t: TestApp;
  let seq = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

  async function register(service: string, version: string, bias: number, promote: boolean) {
    const id = `${service}_v${version}`;
    await t
      .http()
      .post('/api/v1/models')
      .send({
        name: service,
        version,
        model_type: 'classifier',
        framework: 'onnx',
        serving: { runtime: 'onnx' },
      })
      .expect(201);
    await t
      .http()
      .put(`/api/v1/models/${id}/artifacts/model.onnx`)
      .set('content-type', 'application/octet-stream')
      .send(onnxWriter.writeBinaryClassifier({ weights: [0.5, 0.5], bias }))
      .expect(200);
    if (promote) await t.http().post(`/api/v1/models/${id}/promote`).send({ version }).expect(204);
    return id;
  }

  async function twoArms(control = 50, treatment = 50, extra: Record<string, unknown> = {}) {
    const service = unique('ab');
    const a = await register(service, '1', 0, true);
    const b = await register(service, '2', 1, false);
    const res = await t
      .http()
      .post('/api/v1/ab-tests')
      .send({
        name: 'bias',
        service,
        primary_metric: 'conversion',
        variants: {
          control: { model_id: a, traffic_pct: control },
          treatment: { model_id: b, traffic_pct: treatment },
        },
        ...extra,
      })
      .expect(201);
    return { service, a, b, id: res.body.test_id as string };
  }

  const predict = (service: string, subject: string) =>
    t
      .http()
      .post(`/api/v1/services/${service}/predict`)
      .set('x-artenic-subject', subject)
      .send({ data: { input: [1, 2] } });

  beforeAll(async () => {
    t = await startApp({
      env: { ARTENIC_INFERENCE__RESOLUTION_CACHE_MS: '0', ARTENIC_RATE_LIMIT_BURST: '100000' },
    });
  });
  afterAll(() => t.close());

  it('rejects invalid definitions with 400 naming the field, unknown ids with 404', async () => {
    const service = unique('bad');
    const a = await register(service, '1', 0, true);

    const sum = await t
      .http()
      .post('/api/v1/ab-tests')
      .send({
        name: 'x',
        service,
        primary_metric: 'latency',
        variants: { a: { model_id: a, traffic_pct: 60 }, b: { model_id: a, traffic_pct: 30 } },
      });
    const one = await t
      .http()
      .post('/api/v1/ab-tests')
      .send({
        name: 'x',
        service,
        primary_metric: 'latency',
        variants: { a: { model_id: a, traffic_pct: 'x' } },
      });
    const missing = await t.http().get('/api/v1/ab-tests/00000000-0000-4000-8000-000000000000');

    expect(sum.status).toBe(400);
    expect(sum.body.error.message).toContain('sum to 100');
    expect(one.status).toBe(400);
    expect(one.body.error.details.errors.map((e: { loc: string[] }) => e.loc.join('.'))).toEqual(
      expect.arrayContaining(['body.variants', 'body.variants.a.traffic_pct']),
    );
    expect(missing.status).toBe(404);
  });

  it('state machine: running ⇄ paused → concluded, one live test per service', async () => {
    const { id, service, a, b } = await twoArms();

    const second = await t
      .http()
      .post('/api/v1/ab-tests')
      .send({
        name: 'dup',
        service,
        primary_metric: 'latency',
        variants: { x: { model_id: a, traffic_pct: 50 }, y: { model_id: b, traffic_pct: 50 } },
      });
    const paused = await t.http().post(`/api/v1/ab-tests/${id}/pause`);
    const pausedAgain = await t.http().post(`/api/v1/ab-tests/${id}/pause`);
    const whilePaused = await predict(service, 'u1');
    const resumed = await t.http().post(`/api/v1/ab-tests/${id}/resume`);
    const concluded = await t
      .http()
      .post(`/api/v1/ab-tests/${id}/conclude`)
      .send({ winner: 'control', reason: 'manual' });
    const resumeConcluded = await t.http().post(`/api/v1/ab-tests/${id}/resume`);
    const pauseConcluded = await t.http().post(`/api/v1/ab-tests/${id}/pause`);

    expect(second.status).toBe(409);
    expect(paused.body.status).toBe('paused');
    expect(pausedAgain.status).toBe(409);
    expect(whilePaused.body.variant).toBeUndefined();
    expect(resumed.body.status).toBe('running');
    expect(concluded.body).toMatchObject({
      status: 'concluded',
      winner: 'control',
      conclusion_reason: 'manual',
    });
    expect(resumeConcluded.status).toBe(409);
    expect(pauseConcluded.status).toBe(409);
  });

  it('routes by subject hash: sticky per subject, 90/10 split, variant echoed and counted in results', async () => {
    const { id, service, a, b } = await twoArms(90, 10);

    const first = await predict(service, 'alice');
    const again = await Promise.all(Array.from({ length: 5 }, () => predict(service, 'alice')));
    const many = await Promise.all(Array.from({ length: 400 }, (_, i) => predict(service, `user-${i}`)));
    const results = await t.http().get(`/api/v1/ab-tests/${id}/results`).expect(200);

    expect(first.body).toMatchObject({ ab_test_id: id, variant: expect.stringMatching(/control|treatment/) });
    expect(again.map((r) => r.body.variant)).toEqual(Array(5).fill(first.body.variant));
    const treated = many.filter((r) => r.body.variant === 'treatment');
    expect(treated.every((r) => r.body.model_id === b)).toBe(true);
    expect(many.filter((r) => r.body.variant === 'control').every((r) => r.body.model_id === a)).toBe(true);
    expect(treated.length / 400).toBeGreaterThan(0.05);
    expect(treated.length / 400).toBeLessThan(0.15);
    expect(results.body.variants.control.assigned + results.body.variants.treatment.assigned).toBe(406);
    expect(results.body.variants.control.latency.n).toBe(results.body.variants.control.assigned);
    expect(results.body.srm.mismatch).toBe(false);
  });

  it('business metrics by variant or prediction id; auto-conclusion promotes the winner atomically', async () => {
    const { id, service, a, b } = await twoArms(50, 50, {
      auto_conclude: true,
      auto_promote: true,
      min_samples: 50,
    });
    const p = await predict(service, 'bob');
    const control = Array.from({ length: 200 }, (_, i) => ({
      variant: 'control',
      metric_name: 'conversion',
      value: i % 10 === 0 ? 1 : 0,
    }));
    const treatment = Array.from({ length: 200 }, (_, i) => ({
      variant: 'treatment',
      metric_name: 'conversion',
      value: i % 2 === 0 ? 1 : 0,
    }));

    const byPrediction = await t
      .http()
      .post(`/api/v1/ab-tests/${id}/metrics`)
      .send({ observations: [{ prediction_id: p.body.prediction_id, metric_name: 'conversion', value: 1 }] });
    const duplicate = await t
      .http()
      .post(`/api/v1/ab-tests/${id}/metrics`)
      .send({ observations: [{ prediction_id: p.body.prediction_id, metric_name: 'conversion', value: 1 }] });
    const invalidObs = await t
      .http()
      .post(`/api/v1/ab-tests/${id}/metrics`)
      .send({ observations: [{ variant: 'nope', metric_name: 'conversion', value: 1 }] });
    await t
      .http()
      .post(`/api/v1/ab-tests/${id}/metrics`)
      .send({ observations: [...control, ...treatment] })
      .expect(201);
    const results = await t.http().get(`/api/v1/ab-tests/${id}/results`).expect(200);
    await t.app.get(PeriodicTasks).runNow('ab-testing.auto');
    const test = await t.http().get(`/api/v1/ab-tests/${id}`).expect(200);
    const ledger = await t.http().get(`/api/v1/models/${b}/promotions`).expect(200);
    const next = await predict(service, 'bob');
    const events = await t.app.get(EventStore).readAfter(0, 1000, ['ab_test']);

    expect(byPrediction.body).toEqual({ recorded: 1, duplicates: 0 });
    expect(duplicate.body).toEqual({ recorded: 0, duplicates: 1 });
    expect(invalidObs.status).toBe(400);
    const cmp = results.body.comparisons[0];
    expect(cmp).toMatchObject({ variant: 'treatment', significant: true, better: true });
    expect(cmp.sample_size_per_variant).toBeGreaterThan(0);
    expect(results.body.recommended_winner).toBe('treatment');
    expect(test.body).toMatchObject({
      status: 'concluded',
      winner: 'treatment',
      promotion: { state: 'done', model_id: b },
    });
    const entries = Array.isArray(ledger.body) ? ledger.body : ledger.body.items;
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ to_stage: 'production', reason: expect.stringContaining(id) }),
      ]),
    );
    expect(next.body.model_id).toBe(b);
    expect(next.body.variant).toBeUndefined();
    expect(events.filter((e) => e.subject === id).map((e) => e.type)).toEqual([
      'ab_test.created',
      'ab_test.concluded',
    ]);
    expect(a).not.toBe(b);
  });

  it('a promotion the registry refuses rolls the whole conclusion back: the test keeps running', async () => {
    const { id, service, a, b } = await twoArms(50, 50);
    // The treatment's version is archived behind the test's back (forced past the reference guard).
    await t.http().post(`/api/v1/models/${b}/retire`).send({ force: true }).expect(204);
    const ledgerBefore = await t.http().get(`/api/v1/models/${a}/promotions`).expect(200);

    const refused = await t
      .http()
      .post(`/api/v1/ab-tests/${id}/conclude`)
      .send({ winner: 'treatment', promote: true, reason: 'ship it' });
    const test = await t.http().get(`/api/v1/ab-tests/${id}`).expect(200);
    const control = await t.http().get(`/api/v1/models/${a}`).expect(200);
    const ledgerAfter = await t.http().get(`/api/v1/models/${a}/promotions`).expect(200);
    const events = await t.app.get(EventStore).readAfter(0, 1000, ['ab_test']);
    const routed = await predict(service, 'carol');

    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('INVALID_STAGE_TRANSITION');
    expect(test.body).toMatchObject({ status: 'running', winner: null, promotion: null });
    expect(control.body.stage).toBe('production');
    expect(ledgerAfter.body).toEqual(ledgerBefore.body);
    expect(events.filter((e) => e.subject === id).map((e) => e.type)).toEqual(['ab_test.created']);
    expect(routed.status).toBe(200);
    expect(routed.body.variant).toBeDefined();
  });
});
