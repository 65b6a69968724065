/**
 * @jest-environment ./test/fixtures/onnx-node-environment.js
 */
import { startApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';
import { FakeOipServer, sigmoid } from './fakes/oip/fake-oip-server';
import { dot, onnxWriter } from './fixtures/onnx-models';
import { EventStore } from '@app/events/event-store';

describe('ensembles: versions, strategies, quorum', () => {
  let t: TestApp;
  let oip: FakeOipServer;
  let seq = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;
  /** Three voters that disagree on x = [1, 1]: labels 1, 1, 0. */
  const VOTERS = [
    { weights: [1, 1], bias: 0 },
    { weights: [0.5, 0.2], bias: -0.1 },
    { weights: [-2, 0.5], bias: 0 },
  ];
  const label = (m: { weights: number[]; bias: number }, x: number[]) =>
    sigmoid(dot(x, m.weights) + m.bias) > 0.5 ? 1 : 0;

  async function remoteMember(model: { weights: number[]; bias: number }) {
    const name = unique('voter');
    oip.addModel(name, { ...model });
    await t
      .http()
      .post('/api/v1/models')
      .send({
        name,
        version: '1',
        model_type: 'classifier',
        framework: 'sklearn',
        serving: { runtime: 'http', url: oip.url, remote_model: name },
      })
      .expect(201);
    return name;
  }

  async function onnxMember(model: Buffer) {
    const name = unique('member');
    await t
      .http()
      .post('/api/v1/models')
      .send({ name, version: '1', model_type: 'classifier', framework: 'onnx', serving: { runtime: 'onnx' } })
      .expect(201);
    await t
      .http()
      .put(`/api/v1/models/${name}_v1/artifacts/model.onnx`)
      .set('content-type', 'application/octet-stream')
      .send(model)
      .expect(200);
    return `${name}_v1`;
  }

  const create = (body: Record<string, unknown>) => t.http().post('/api/v1/ensembles').send(body);
  const predict = (id: string, data: Record<string, unknown>, version?: number) =>
    t
      .http()
      .post(`/api/v1/ensembles/${id}/predict`)
      .send({ data, ...(version ? { version } : {}) });

  beforeAll(async () => {
    oip = await new FakeOipServer().start();
    t = await startApp({ env: { ARTENIC_INFERENCE__HTTP_RETRIES: '0' } });
  });
  afterAll(async () => {
    await t.close();
    await oip.stop();
  });

  it('majority_vote with quorum 2 of 3: right with one member timing out, 503 when two do', async () => {
    const names = await Promise.all(VOTERS.map((v) => remoteMember(v)));
    const x = [1, 1];
    const service = unique('fraud');
    const created = await create({
      name: 'vote',
      service,
      strategy: 'majority_vote',
      model_ids: names.map((n) => `${n}_v1`),
      quorum: 2,
      timeout_ms: 300,
    });
    const id = created.body.ensemble_id;
    const allAnswer = await predict(id, { input: x });

    oip.setDelay(names[1]!, 2000);
    const oneSlow = await predict(id, { input: x });
    oip.setDelay(names[0]!, 2000);
    const twoSlow = await predict(id, { input: x });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      ensemble_id: `${service}_vote`,
      version: 1,
      quorum: 2,
      strategy: 'majority_vote',
    });
    expect(allAnswer.status).toBe(200);
    expect(allAnswer.body.prediction).toEqual({ label: 1, votes: { '1': 2, '0': 1 }, vote_share: 2 / 3 });
    expect(allAnswer.body).toMatchObject({
      ensemble_id: id,
      ensemble_version: 1,
      model_id: id,
      model_version: '1',
    });
    // Member 2 is out: members 1 and 3 disagree (1 vs 0); the tie goes to the more confident voter.
    const c1 = Math.max(sigmoid(dot(x, VOTERS[0]!.weights)), 1 - sigmoid(dot(x, VOTERS[0]!.weights)));
    const c3 = Math.max(sigmoid(dot(x, VOTERS[2]!.weights)), 1 - sigmoid(dot(x, VOTERS[2]!.weights)));
    expect(oneSlow.status).toBe(200);
    expect(oneSlow.body.prediction.label).toBe(c1 >= c3 ? label(VOTERS[0]!, x) : label(VOTERS[2]!, x));
    expect(oneSlow.body.members.map((m: { status: string }) => m.status)).toEqual(['ok', 'timeout', 'ok']);
    expect(twoSlow.status).toBe(503);
    expect(twoSlow.body.error.code).toBe('ENSEMBLE_QUORUM_NOT_MET');
    expect(twoSlow.body.error.message).toContain('1 of 3 members answered, 2 required');
    expect(twoSlow.body.error.details.members.map((m: { status: string }) => m.status)).toEqual([
      'timeout',
      'timeout',
      'ok',
    ]);
  });

  it('update creates version 2 while version 1 stays callable; an identical update creates nothing', async () => {
    const a = await onnxMember(onnxWriter.writeLogisticRegression({ weights: [1, 0], bias: 0 }));
    const b = await onnxMember(onnxWriter.writeLogisticRegression({ weights: [0, 2], bias: 1 }));
    const c = await onnxMember(onnxWriter.writeLogisticRegression({ weights: [-1, -1], bias: 0.5 }));
    const x = [0.3, -0.7];
    const p = (w: number[], bias: number) => sigmoid(dot(x, w) + bias);
    const id = (await create({ name: 'avg', service: unique('risk'), strategy: 'mean', model_ids: [a, b] }))
      .body.ensemble_id;

    const updated = await t
      .http()
      .put(`/api/v1/ensembles/${id}`)
      .send({
        strategy: 'weighted_mean',
        model_ids: [a, b, c],
        strategy_config: { weights: { [a]: 1, [b]: 1, [c]: 2 } },
        change_reason: 'add c',
      });
    const same = await t
      .http()
      .put(`/api/v1/ensembles/${id}`)
      .send({ strategy: 'weighted_mean', description: 'renamed only' });
    const v1 = await predict(id, { input: x }, 1);
    const v2 = await predict(id, { input: x });
    const history = await t.http().get(`/api/v1/ensembles/${id}/versions`);

    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ version: 2, strategy: 'weighted_mean', model_ids: [a, b, c] });
    expect(same.body).toMatchObject({ version: 2, description: 'renamed only' });
    expect(v1.body.ensemble_version).toBe(1);
    expect(v1.body.prediction.probability).toBeCloseTo((p([1, 0], 0) + p([0, 2], 1)) / 2, 5);
    expect(v2.body.ensemble_version).toBe(2);
    expect(v2.body.prediction.probability).toBeCloseTo(
      (p([1, 0], 0) + p([0, 2], 1) + 2 * p([-1, -1], 0.5)) / 4,
      5,
    );
    expect(
      history.body.map((h: { version: number; change_reason: string }) => [h.version, h.change_reason]),
    ).toEqual([
      [2, 'add c'],
      [1, 'Initial creation'],
    ]);
  });

  it('answers a service when promoted to production, and picks the most confident member with max_confidence', async () => {
    const a = await onnxMember(onnxWriter.writeLogisticRegression({ weights: [0.1], bias: 0 }));
    const b = await onnxMember(onnxWriter.writeLogisticRegression({ weights: [3], bias: 0 }));
    const service = unique('svc');
    const id = (await create({ name: 'confident', service, strategy: 'max_confidence', model_ids: [a, b] }))
      .body.ensemble_id;

    const before = await t
      .http()
      .post(`/api/v1/services/${service}/predict`)
      .send({ data: { input: [1] } });
    await t.http().put(`/api/v1/ensembles/${id}`).send({ stage: 'production' }).expect(200);
    const after = await t
      .http()
      .post(`/api/v1/services/${service}/predict`)
      .send({ data: { input: [1] } });

    expect(before.status).toBe(404);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ ensemble_id: id, service, prediction: { source_model_id: b } });
    expect(after.body.prediction.probability).toBeCloseTo(sigmoid(3), 5);
  });

  it('validates definitions and names what is wrong', async () => {
    const a = await onnxMember(onnxWriter.writeLogisticRegression({ weights: [1], bias: 0 }));
    const service = unique('bad');
    await create({ name: 'one', service, strategy: 'mean', model_ids: [a] }).expect(201);

    const duplicate = await create({ name: 'one', service, strategy: 'mean', model_ids: [a] });
    const unknownMember = await create({ name: 'two', service, strategy: 'mean', model_ids: ['nope_v9'] });
    const badStrategy = await create({ name: 'three', service, strategy: 'round_robin', model_ids: [a] });
    const badQuorum = await create({ name: 'four', service, strategy: 'mean', model_ids: [a], quorum: 2 });
    const noWeights = await create({ name: 'five', service, strategy: 'weighted_mean', model_ids: [a] });
    const missing = await t.http().get('/api/v1/ensembles/nothing_here');
    const missingVersions = await t.http().get('/api/v1/ensembles/nothing_here/versions');

    expect(duplicate.status).toBe(409);
    expect(unknownMember.status).toBe(400);
    expect(unknownMember.body.error).toMatchObject({
      code: 'UNKNOWN_MEMBER',
      details: { model_id: 'nope_v9' },
    });
    expect(badStrategy.status).toBe(400);
    expect(badQuorum.body.error.code).toBe('INVALID_QUORUM');
    expect(noWeights.body.error.code).toBe('INVALID_STRATEGY_CONFIG');
    expect(missing.status).toBe(404);
    expect(missingVersions.status).toBe(404);
  });

  it('lists with filters and publishes events on topic ensemble', async () => {
    const a = await onnxMember(onnxWriter.writeLogisticRegression({ weights: [1], bias: 0 }));
    const service = unique('listed');
    const id = (await create({ name: 'x', service, strategy: 'mean', model_ids: [a] })).body.ensemble_id;
    await t.http().put(`/api/v1/ensembles/${id}`).send({ quorum: 1, timeout_ms: 999 }).expect(200);

    const listed = await t.http().get('/api/v1/ensembles').query({ service });
    const none = await t.http().get('/api/v1/ensembles').query({ service, stage: 'production' });

    expect(listed.body).toEqual([expect.objectContaining({ id, service, version: 2, timeout_ms: 999 })]);
    expect(none.body).toEqual([]);
    await eventually(async () => {
      const events = (await t.app.get(EventStore).readAfter(0, 5000)).filter((e) => e.subject === id);
      expect(events.map((e) => [e.topic, e.type])).toEqual([
        ['ensemble', 'ensemble.created'],
        ['ensemble', 'ensemble.updated'],
      ]);
    });
  });
});
