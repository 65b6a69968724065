/**
 * @jest-environment ./test/fixtures/onnx-node-environment.js
 */
import { startApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';
import { onnxWriter } from './fixtures/onnx-models';
import { PeriodicTasks } from '@app/common/periodic/periodic-tasks';
import { EventStore } from '@app/events/event-store';
import type { DomainEvent } from '@app/events/event-topics';
import { ModelHealthEntity } from '@app/monitoring/model-health.entities';
import { DataSource } from 'typeorm';

/*
 * The drift values are recomputed here, independently of src/monitoring, from the very samples sent,
 * following the documented definitions: PSI over 10 equal-frequency bins of the reference (inner edges
 * at sorted[⌈j·n/10⌉−1], bin = number of edges below the value, half-observation pseudo-count), and the
 * two-sample KS statistic sup|F_ref − F_cur| with the Stephens-corrected asymptotic p-value.
 */
function independentPsi(reference: number[], current: number[], bins = 10): number {
  const sorted = [...reference].sort((a, b) => a - b);
  let edges: number[] = [];
  for (let j = 1; j < bins; j++) edges.push(sorted[Math.ceil((j * sorted.length) / bins) - 1]!);
  edges = edges.filter((e, i) => i === 0 || e !== edges[i - 1]).filter((e) => e < sorted[sorted.length - 1]!);
  const shares = (values: number[]) => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const v of values) counts[edges.filter((e) => e < v).length]! += 1;
    return counts.map((c) => (c + 0.5) / (values.length + 0.5 * counts.length));
  };
  const p = shares(reference);
  const q = shares(current);
  return p.reduce((sum, pi, i) => sum + (q[i]! - pi) * Math.log(q[i]! / pi), 0);
}

function independentKs(reference: number[], current: number[]): { d: number; p: number } {
  const ecdf = (values: number[], x: number) => values.filter((v) => v <= x).length / values.length;
  const d = Math.max(
    ...[...reference, ...current].map((x) => Math.abs(ecdf(reference, x) - ecdf(current, x))),
  );
  const ne = (reference.length * current.length) / (reference.length + current.length);
  const lambda = (Math.sqrt(ne) + 0.12 + 0.11 / Math.sqrt(ne)) * d;
  let p = 0;
  for (let j = 1; j <= 100; j++) p += 2 * (-1) ** (j - 1) * Math.exp(-2 * j * j * lambda * lambda);
  return { d, p: Math.min(1, Math.max(0, p)) };
}

/** Seeded normal draws (mulberry32 + Box–Muller): the same samples on every run. */
function normals(seed: number, n: number, mean: number, sd = 1): number[] {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from(
    { length: n },
    () => mean + sd * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform()),
  );
}

interface FeatureDrift {
  feature: string;
  kind: string;
  tested: boolean;
  psi: number | null;
  ks_statistic: number | null;
  ks_p_value: number | null;
  alerts: string[];
}

describe('model health and drift detection', () => {
  let t: TestApp;
  let seq = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;
  const REFERENCE_SIZE = 300;

  async function deploy(name: string) {
    const id = `${name}_v1`;
    await t
      .http()
      .post('/api/v1/models')
      .send({ name, version: '1', model_type: 'classifier', framework: 'onnx', serving: { runtime: 'onnx' } })
      .expect(201);
    await t
      .http()
      .put(`/api/v1/models/${id}/artifacts/model.onnx`)
      .set('content-type', 'application/octet-stream')
      .send(onnxWriter.writeLogisticRegression({ weights: [1.2, -0.7], bias: 0.1 }))
      .expect(200);
    await t.http().post(`/api/v1/models/${id}/promote`).send({ version: '1' }).expect(204);
    return id;
  }

  /** Sends the rows as batches of 100 (one record each, sampled at rate 1). */
  async function predict(service: string, x0: number[], x1: number[]) {
    for (let i = 0; i < x0.length; i += 100) {
      const batch = x0.slice(i, i + 100).map((v, j) => ({ input: [v, x1[i + j]!] }));
      await t.http().post(`/api/v1/services/${service}/predict_batch`).send({ batch }).expect(200);
    }
  }

  const check = () => t.app.get(PeriodicTasks).runNow('monitoring.health');
  const health = async (ref: string, limit = 20) =>
    (await t.http().get(`/api/v1/models/${ref}/health`).query({ limit }).expect(200)).body as {
      status: string;
      alerts: string[];
      reference_source: string | null;
      latest: {
        status: string;
        alerts: string[];
        sample_count: number;
        drift_score: number | null;
        drift: {
          state: string;
          reference_size: number;
          current_size: number;
          inputs: FeatureDrift[];
          outputs: FeatureDrift[];
        };
        [k: string]: unknown;
      };
      history: unknown[];
    };
  const healthEvents = async (modelId: string): Promise<DomainEvent[]> =>
    (await t.app.get(EventStore).readAfter(0, 10_000, ['health'])).filter((e) => e.subject === modelId);
  const feature = (features: FeatureDrift[], name: string) => features.find((f) => f.feature === name)!;

  beforeAll(async () => {
    t = await startApp({
      env: {
        ARTENIC_INFERENCE__SAMPLE_RATE: '1',
        ARTENIC_HEALTH__REFERENCE_SIZE: String(REFERENCE_SIZE),
        ARTENIC_HEALTH__CHECK_INTERVAL_SECONDS: '3600',
      },
    });
  });
  afterAll(() => t.close());

  it('a shifted input distribution raises PSI and KS alerts with the independently computed values, once', async () => {
    const service = unique('drifting');
    const id = await deploy(service);
    const ref = { x0: normals(1, REFERENCE_SIZE, 0), x1: normals(2, REFERENCE_SIZE, 0) };
    const cur = { x0: normals(3, 300, 1), x1: normals(4, 300, 0) };
    await predict(service, ref.x0, ref.x1);
    await check();
    const frozen = await health(id);
    await predict(service, cur.x0, cur.x1);

    await check();
    const drifted = await health(id);
    await check();
    const again = await health(id);

    expect(frozen.reference_source).toBe('traffic');
    expect(frozen.latest.drift).toMatchObject({ state: 'no_samples', reference_size: REFERENCE_SIZE });
    expect(drifted.status).toBe('degraded');
    expect(drifted.latest.drift).toMatchObject({
      state: 'evaluated',
      reference_size: 300,
      current_size: 300,
    });
    const x0 = feature(drifted.latest.drift.inputs, 'input[0]');
    const x1 = feature(drifted.latest.drift.inputs, 'input[1]');
    const ks0 = independentKs(ref.x0, cur.x0);
    const ks1 = independentKs(ref.x1, cur.x1);
    expect(x0.kind).toBe('numeric');
    expect(x0.psi).toBeCloseTo(independentPsi(ref.x0, cur.x0), 10);
    expect(x0.ks_statistic).toBeCloseTo(ks0.d, 12);
    expect(x0.ks_p_value).toBeCloseTo(ks0.p, 12);
    expect(x0.psi).toBeGreaterThan(0.2);
    expect(x0.alerts).toEqual(['psi', 'ks']);
    expect(x1.psi).toBeCloseTo(independentPsi(ref.x1, cur.x1), 10);
    expect(x1.ks_statistic).toBeCloseTo(ks1.d, 12);
    expect(x1.alerts).toEqual([]);
    expect(feature(drifted.latest.drift.outputs, 'probability').alerts).toContain('ks');
    expect(drifted.alerts).toEqual(['input_drift:input[0]', 'prediction_drift:probability']);
    expect(drifted.latest.drift_score).toBeCloseTo(
      Math.max(x0.psi!, x1.psi!, feature(drifted.latest.drift.outputs, 'probability').psi!),
      12,
    );
    expect(again.history).toHaveLength(3);
    const events = await healthEvents(id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'model.drift_detected',
      data: { model_id: id, status: 'degraded', previous_status: 'healthy', crossed: drifted.alerts },
    });
  });

  it('an unshifted distribution raises no alert (values checked the same way)', async () => {
    const service = unique('stable');
    const id = await deploy(service);
    const ref = { x0: normals(11, REFERENCE_SIZE, 0), x1: normals(12, REFERENCE_SIZE, 0) };
    const cur = { x0: normals(13, 300, 0), x1: normals(14, 300, 0) };
    await predict(service, ref.x0, ref.x1);
    await check();
    await predict(service, cur.x0, cur.x1);

    await check();
    const result = await health(id);

    expect(result.status).toBe('healthy');
    expect(result.alerts).toEqual([]);
    expect(result.latest.drift.state).toBe('evaluated');
    for (const [name, r, c] of [
      ['input[0]', ref.x0, cur.x0],
      ['input[1]', ref.x1, cur.x1],
    ] as const) {
      const f = feature(result.latest.drift.inputs, name);
      expect(f.psi).toBeCloseTo(independentPsi([...r], [...c]), 10);
      expect(f.psi).toBeLessThan(0.2);
      expect(f.ks_statistic).toBeCloseTo(independentKs([...r], [...c]).d, 12);
      expect(f.alerts).toEqual([]);
    }
    expect(await healthEvents(id)).toEqual([]);
  });

  it('compares with a reference.json uploaded with the version instead of the first traffic', async () => {
    const service = unique('uploaded');
    const id = await deploy(service);
    const ref = normals(21, 200, 5);
    const reference = { inputs: ref.map((v) => ({ input: [v, 0] })), outputs: [] };
    await t
      .http()
      .put(`/api/v1/models/${id}/artifacts/reference.json`)
      .set('content-type', 'application/octet-stream')
      .send(Buffer.from(JSON.stringify(reference)))
      .expect(200);
    const cur = normals(22, 100, 0);

    await predict(
      service,
      cur,
      cur.map(() => 0),
    );
    await check();
    const result = await health(`${service}_v1`);

    expect(result.reference_source).toBe('artifact');
    const x0 = feature(result.latest.drift.inputs, 'input[0]');
    expect(x0.psi).toBeCloseTo(independentPsi(ref, cur), 10);
    expect(x0.alerts).toEqual(['psi', 'ks']);
    expect(result.alerts).toContain('input_drift:input[0]');
  });

  it('replaces a frozen traffic reference when a reference.json is uploaded later (lifecycle topic)', async () => {
    const service = unique('rebased');
    const id = await deploy(service);
    await predict(service, normals(41, REFERENCE_SIZE, 0), normals(42, REFERENCE_SIZE, 0));
    await check();
    const before = await health(id);
    const reference = { inputs: normals(43, 100, 0).map((v) => ({ input: [v, v] })) };

    await t
      .http()
      .put(`/api/v1/models/${id}/artifacts/reference.json`)
      .set('content-type', 'application/octet-stream')
      .send(Buffer.from(JSON.stringify(reference)))
      .expect(200);
    const after = await eventually(async () => {
      await check();
      const h = await health(id);
      expect(h.reference_source).toBe('artifact');
      return h;
    });

    expect(before.reference_source).toBe('traffic');
    expect(after.latest.drift).toMatchObject({ state: 'evaluated', reference_size: 100 });
  });

  it('reports traffic, errors and latency percentiles; a high error rate is unhealthy', async () => {
    const service = unique('failing');
    const id = await deploy(service);
    await t.http().put(`/api/v1/models/${service}/aliases/champion`).send({ version: '1' }).expect(200);
    for (let i = 0; i < 4; i++) {
      await t
        .http()
        .post(`/api/v1/services/${service}/predict`)
        .send({ data: { input: [i, 1] } })
        .expect(200);
      await t
        .http()
        .post(`/api/v1/services/${service}/predict`)
        .send({ data: { input: [i] } })
        .expect(400);
    }

    await check();
    const result = await health(`${service}@champion`);
    const detailed = await t.http().get('/health/detailed');

    expect(result.status).toBe('unhealthy');
    expect(result.alerts).toEqual(['error_rate']);
    expect(result.latest).toMatchObject({
      model_id: id,
      metric_name: 'health_snapshot',
      metric_value: 0.5,
      error_rate: 0.5,
      sample_count: 8,
      calls: 8,
      alert_triggered: true,
      latency_p50_ms: expect.any(Number),
      latency_p95_ms: expect.any(Number),
      latency_p99_ms: expect.any(Number),
    });
    expect(result.latest.request_rate).toBeCloseTo(8 / 3600, 9);
    expect(result.latest.created_at).toMatch(/Z$/);
    expect(detailed.body.components.model_health.status).toBe('degraded');
    expect(detailed.body.components.model_health.models).toContainEqual(
      expect.objectContaining({ model_id: id, status: 'unhealthy', alerts: ['error_rate'] }),
    );
    expect((await healthEvents(id)).map((e) => e.type)).toEqual(['model.health_changed']);
  });

  it('reads the thresholds live from the settings, and evaluates nothing while disabled', async () => {
    const service = unique('tuned');
    const id = await deploy(service);
    await predict(service, normals(31, REFERENCE_SIZE, 0), normals(32, REFERENCE_SIZE, 0));
    await check();
    await predict(service, normals(33, 100, 0), normals(34, 100, 0));
    const settings = (body: Record<string, unknown>) =>
      t.http().put('/api/v1/settings/global/health').send(body).expect(200);

    await settings({ drift_threshold: 0.0001 });
    await check();
    const strict = await health(id);
    await settings({ drift_threshold: 0.2, enabled: false });
    await check();
    const disabled = await health(id);
    const detailed = await t.http().get('/health/detailed');
    await settings({ enabled: true });

    expect(strict.alerts).toEqual([
      'input_drift:input[0]',
      'input_drift:input[1]',
      'prediction_drift:probability',
    ]);
    expect(feature(strict.latest.drift.inputs, 'input[0]').alerts).toEqual(['psi']);
    expect(disabled.history).toHaveLength(strict.history.length);
    expect(detailed.body.components.model_health).toEqual({ status: 'disabled' });
  });

  it('prunes snapshots older than health.retention_days', async () => {
    const service = unique('old');
    const id = await deploy(service);
    const rows = t.app.get(DataSource).getRepository(ModelHealthEntity);
    const old = new Date(Date.now() - 91 * 86_400_000);
    await rows.insert({
      model_id: id,
      metric_name: 'health_snapshot',
      metric_value: 0,
      alert_triggered: false,
      sample_count: 1,
      status: 'healthy',
      alerts: [],
      calls: 1,
      request_rate: 0,
      error_rate: 0,
      created_at: old,
    });
    await t
      .http()
      .post(`/api/v1/services/${service}/predict`)
      .send({ data: { input: [1, 2] } })
      .expect(200);

    await check();
    const result = await health(id);

    expect(result.history).toHaveLength(1);
    expect(new Date((result.history[0] as { created_at: string }).created_at).getTime()).toBeGreaterThan(
      old.getTime(),
    );
  });

  it('answers 404 for an unknown model and 400 for a bad limit', async () => {
    const missing = await t.http().get(`/api/v1/models/${unique('nothing')}_v1/health`);
    const badAlias = await t.http().get(`/api/v1/models/${unique('nothing')}@champion/health`);
    const badLimit = await t.http().get(`/api/v1/models/x_v1/health`).query({ limit: 0 });

    expect(missing.status).toBe(404);
    expect(badAlias.status).toBe(404);
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.details.errors[0].loc).toContain('limit');
  });
});

describe('model health over a short window', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      env: {
        ARTENIC_INFERENCE__SAMPLE_RATE: '1',
        ARTENIC_HEALTH__WINDOW_SECONDS: '1',
        ARTENIC_HEALTH__REFERENCE_SIZE: '20',
        ARTENIC_HEALTH__CHECK_INTERVAL_SECONDS: '3600',
      },
    });
  });
  afterAll(() => t.close());

  it('an alerting model without traffic in the window recovers, with one event each way', async () => {
    const name = `quiet-${Date.now().toString(36)}`;
    const id = `${name}_v1`;
    await t
      .http()
      .post('/api/v1/models')
      .send({ name, version: '1', model_type: 'classifier', framework: 'onnx', serving: { runtime: 'onnx' } })
      .expect(201);
    await t
      .http()
      .put(`/api/v1/models/${id}/artifacts/model.onnx`)
      .set('content-type', 'application/octet-stream')
      .send(onnxWriter.writeLogisticRegression({ weights: [1, 1], bias: 0 }))
      .expect(200);
    await t.http().post(`/api/v1/models/${id}/promote`).send({ version: '1' }).expect(204);
    await t
      .http()
      .post(`/api/v1/services/${name}/predict`)
      .send({ data: { input: [1] } })
      .expect(400);
    const tasks = t.app.get(PeriodicTasks);
    await tasks.runNow('monitoring.health');
    const status = async () =>
      (await t.http().get(`/api/v1/models/${id}/health`).expect(200)).body as { status: string };
    const failing = await status();

    const recovered = await eventually(
      async () => {
        await tasks.runNow('monitoring.health');
        const s = await status();
        expect(s.status).toBe('healthy');
        return s;
      },
      { timeoutMs: 5000, intervalMs: 250 },
    );
    await tasks.runNow('monitoring.health');

    expect(failing.status).toBe('unhealthy');
    expect(recovered.status).toBe('healthy');
    const events = (await t.app.get(EventStore).readAfter(0, 10_000, ['health'])).filter(
      (e) => e.subject === id,
    );
    expect(events.map((e) => [e.type, e.data.previous_status, e.data.status])).toEqual([
      ['model.health_changed', 'healthy', 'unhealthy'],
      ['model.health_changed', 'unhealthy', 'healthy'],
    ]);
    const history = (await t.http().get(`/api/v1/models/${id}/health`).expect(200)).body.history as Array<{
      status: string;
      sample_count: number;
    }>;
    // one row per evaluation while it failed, one for the recovery, none once idle and healthy
    expect(history.filter((h) => h.status === 'healthy')).toEqual([
      expect.objectContaining({ status: 'healthy', sample_count: 0 }),
    ]);
    expect(history[0]).toMatchObject({ status: 'healthy' });
  });
});
