import { startApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';
import { MODEL_REGISTRY, type ModelRegistry } from '@app/registry/model-registry.port';
import { ModelReferences } from '@app/registry/model-references.service';
import { EventStore } from '@app/events/event-store';

describe('model registry: versions, stages, ledger', () => {
  let t: TestApp;
  let seq = 0;
  const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

  const register = (body: Record<string, unknown>) => t.http().post('/api/v1/models').send(body);
  const promote = (id: string, body: Record<string, unknown>) =>
    t.http().post(`/api/v1/models/${id}/promote`).send(body);
  const get = (id: string) => t.http().get(`/api/v1/models/${id}`);

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('runs the CLI flow: register, get, list, staging, production (previous archived), retire', async () => {
    const name = uniqueName('sentiment');
    const first = await register({
      name,
      version: '1.0',
      model_type: 'classifier',
      framework: 'sklearn',
      tags: { team: 'nlp' },
    });
    await register({ name, version: '2.0', model_type: 'classifier', framework: 'sklearn' });

    expect(first.status).toBe(201);
    expect(first.body).toEqual({ model_id: `${name}_v1.0` });
    const one = await get(`${name}_v1.0`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      model_id: `${name}_v1.0`,
      name,
      version: '1.0',
      model_type: 'classifier',
      framework: 'sklearn',
      description: '',
      tags: { team: 'nlp' },
      input_features: [],
      output_schema: {},
      stage: 'registered',
      mlflow_run_id: null,
      updated_at: null,
      service: name,
      serving: null,
      aliases: [],
      mlflow_sync: null,
    });
    expect(one.body.created_at).toMatch(/Z$/);
    const listed = await t.http().get('/api/v1/models').query({ name });
    expect(listed.body.map((m: { version: string }) => m.version)).toEqual(['2.0', '1.0']);
    expect(listed.headers['x-total-count']).toBe('2');

    expect((await promote(`${name}_v1.0`, { version: '1.0', stage: 'staging' })).status).toBe(204);
    expect((await promote(`${name}_v1.0`, { version: '1.0' })).status).toBe(204);
    expect((await get(`${name}_v1.0`)).body.stage).toBe('production');
    expect((await promote(`${name}_v2.0`, { version: '2.0', reason: 'better f1' })).status).toBe(204);

    expect((await get(`${name}_v2.0`)).body.stage).toBe('production');
    expect((await get(`${name}_v1.0`)).body.stage).toBe('archived');
    const retired = await t.http().post(`/api/v1/models/${name}_v2.0/retire`);
    expect(retired.status).toBe(204);
    expect((await get(`${name}_v2.0`)).body.stage).toBe('archived');
  });

  it('refuses wrong moves with 409 naming both stages, unknown ids with 404, bad bodies with 400', async () => {
    const name = uniqueName('wrong');
    await register({ name, version: '1', model_type: 'classifier' });
    const id = `${name}_v1`;

    const duplicate = await register({ name, version: '1', model_type: 'classifier' });
    await t.http().post(`/api/v1/models/${id}/retire`).expect(204);
    const promoteArchived = await promote(id, { version: '1' });
    const retireArchived = await t.http().post(`/api/v1/models/${id}/retire`);
    const unknownGet = await get('not-there');
    const unknownPromote = await promote('not-there_v1', { version: '1' });
    const unknownRetire = await t.http().post('/api/v1/models/not-there_v1/retire');
    const emptyPromote = await promote('not-there_v1', {});
    const emptyRegister = await register({});
    const badServing = await register({ name, version: '9', model_type: 'x', serving: { runtime: 'http' } });
    const wrongVersion = await promote(id, { version: '2' });

    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('MODEL_ALREADY_EXISTS');
    expect(promoteArchived.status).toBe(409);
    expect(promoteArchived.body.error.message).toContain("from stage 'archived' to stage 'production'");
    expect(retireArchived.status).toBe(409);
    expect(retireArchived.body.error.details).toMatchObject({ from_stage: 'archived', to_stage: 'archived' });
    expect([unknownGet.status, unknownPromote.status, unknownRetire.status]).toEqual([404, 404, 404]);
    expect(unknownGet.body.error.code).toBe('MODEL_NOT_FOUND');
    expect(emptyPromote.status).toBe(400);
    expect(emptyRegister.status).toBe(400);
    expect(emptyRegister.body.error.details.errors.map((e: { loc: string[] }) => e.loc.join('.'))).toEqual(
      expect.arrayContaining(['body.name', 'body.model_type']),
    );
    expect(badServing.status).toBe(400);
    expect(wrongVersion.status).toBe(400);
    expect(wrongVersion.body.error.code).toBe('VERSION_MISMATCH');
  });

  it('restores an archived version, which can then be promoted again', async () => {
    const name = uniqueName('restore');
    await register({ name, version: '1', model_type: 'classifier' });
    const id = `${name}_v1`;
    await t.http().post(`/api/v1/models/${id}/retire`).send({ reason: 'old' }).expect(204);

    const restored = await t.http().post(`/api/v1/models/${id}/restore`).send({ reason: 'needed again' });
    const promoted = await promote(id, { version: '1' });
    const restoreLive = await t.http().post(`/api/v1/models/${id}/restore`);

    expect(restored.status).toBe(204);
    expect(promoted.status).toBe(204);
    expect((await get(id)).body.stage).toBe('production');
    expect(restoreLive.status).toBe(409);
    expect(restoreLive.body.error.message).toContain("from stage 'production' to stage 'registered'");
  });

  it('keeps versions immutable except description and tags', async () => {
    const name = uniqueName('meta');
    await register({ name, version: '1', model_type: 'classifier', tags: { a: '1' } });

    const patched = await t
      .http()
      .patch(`/api/v1/models/${name}_v1`)
      .send({ description: 'new', tags: { b: '2' } });
    const forbidden = await t.http().patch(`/api/v1/models/${name}_v1`).send({ framework: 'torch' });

    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: 'new', tags: { b: '2' } });
    expect(patched.body.updated_at).toMatch(/Z$/);
    expect(forbidden.status).toBe(400);
    const byOldTag = await t.http().get('/api/v1/models').query({ name, tag: 'a=1' });
    const byNewTag = await t.http().get('/api/v1/models').query({ name, tag: 'b=2' });
    expect(byOldTag.body).toHaveLength(0);
    expect(byNewTag.body).toHaveLength(1);
  });

  it('lists with filters, free text, sorting, and pagination through headers', async () => {
    const name = uniqueName('listing');
    for (let v = 1; v <= 5; v++) {
      await register({
        name,
        version: String(v),
        model_type: v % 2 ? 'classifier' : 'regressor',
        framework: v <= 2 ? 'onnx' : 'sklearn',
        description: v === 3 ? 'The Special one' : '',
        tags: { parity: v % 2 ? 'odd' : 'even', env: 'ci' },
      });
    }

    const page1 = await t.http().get('/api/v1/models').query({ name, limit: 2, sort: 'version' });
    const page3 = await t.http().get('/api/v1/models').query({ name, limit: 2, offset: 4, sort: 'version' });
    const filtered = await t
      .http()
      .get('/api/v1/models')
      .query({ name, framework: 'sklearn', model_type: 'classifier' });
    const tagged = await t.http().get(`/api/v1/models?name=${name}&tag=parity=even&tag=env=ci`);
    const text = await t.http().get('/api/v1/models').query({ q: 'special', name });
    const byStage = await t.http().get('/api/v1/models').query({ name, stage: 'registered' });
    const badStage = await t.http().get('/api/v1/models').query({ stage: 'gone' });
    const badLimit = await t.http().get('/api/v1/models').query({ limit: 5000 });

    expect(page1.body.map((m: { version: string }) => m.version)).toEqual(['1', '2']);
    expect(page1.headers['x-total-count']).toBe('5');
    expect(page1.headers.link).toContain('rel="next"');
    expect(page1.headers.link).toContain('offset=2');
    expect(page3.body.map((m: { version: string }) => m.version)).toEqual(['5']);
    expect(page3.headers.link).toContain('rel="prev"');
    expect(page3.headers.link).not.toContain('rel="next"');
    expect(filtered.body.map((m: { version: string }) => m.version).sort()).toEqual(['3', '5']);
    expect(tagged.body.map((m: { version: string }) => m.version).sort()).toEqual(['2', '4']);
    expect(text.body.map((m: { version: string }) => m.version)).toEqual(['3']);
    expect(byStage.body).toHaveLength(5);
    expect(badStage.status).toBe(400);
    expect(badLimit.status).toBe(400);
  });

  it('serves a repeated list from memory yet shows every write at once (same headers, JSON body)', async () => {
    const name = uniqueName('cached');
    await register({ name, version: '1', model_type: 'classifier', description: 'first' });
    const url = `/api/v1/models?name=${name}&limit=1`;
    const first = await t.http().get(url);
    const repeated = await t.http().get(url);

    await t.http().patch(`/api/v1/models/${name}_v1`).send({ description: 'edited' }).expect(200);
    const afterEdit = await t.http().get(url);
    await register({ name, version: '2', model_type: 'classifier' });
    const afterRegister = await t.http().get(url);

    expect(repeated.headers['content-type']).toMatch(/^application\/json/);
    expect(repeated.body).toEqual(first.body);
    expect(repeated.headers['x-total-count']).toBe('1');
    expect(afterEdit.body[0].description).toBe('edited');
    expect(afterRegister.headers['x-total-count']).toBe('2');
    expect(afterRegister.headers.link).toContain('rel="next"');
    expect(afterRegister.body[0].version).toBe('2');
  });

  it('matches free text as a case-insensitive substring of name or description, wildcards literal', async () => {
    const name = uniqueName('FraudDetector');
    await register({ name, version: '1', model_type: 'classifier', description: 'Scores 100% of_payments' });
    await register({ name, version: '2', model_type: 'classifier', description: 'Scores 100 payments' });
    const search = (q: string) =>
      t
        .http()
        .get('/api/v1/models')
        .query({ q, name })
        .then((r) => r.body.map((m: { version: string }) => m.version).sort());

    const results = await Promise.all(
      ['frauddet', 'AUDDETECTOR', '100%', 'of_p', '*', 'ec', 'absent', 'payments'].map(search),
    );

    const paged = await t
      .http()
      .get('/api/v1/models')
      .query({ q: 'payments', name, limit: 1, sort: 'version' });
    const past = await t.http().get('/api/v1/models').query({ q: 'payments', name, limit: 1, offset: 5 });
    await t.http().patch(`/api/v1/models/${name}_v2`).send({ description: 'Renamed' }).expect(200);
    const afterEdit = await Promise.all(['payments', 'renamed'].map(search));
    expect(results).toEqual([['1', '2'], ['1', '2'], ['1'], ['1'], [], ['1', '2'], [], ['1', '2']]);
    expect(paged.body.map((m: { version: string }) => m.version)).toEqual(['1']);
    expect(paged.headers['x-total-count']).toBe('2');
    expect(past.body).toEqual([]);
    expect(past.headers['x-total-count']).toBe('2');
    expect(afterEdit).toEqual([['1'], ['2']]);
  });

  it('answers the point-in-time query before, between and after two promotions', async () => {
    const name = uniqueName('pit');
    await register({ name, version: '1', model_type: 'classifier' });
    await register({ name, version: '2', model_type: 'classifier' });
    const history = (at: Date) =>
      t.http().get(`/api/v1/models/${name}/history`).query({ stage: 'production', at: at.toISOString() });

    const before = new Date();
    await promote(`${name}_v1`, { version: '1' }).expect(204);
    const between = new Date();
    await promote(`${name}_v2`, { version: '2' }).expect(204);
    const after = new Date();

    expect((await history(before)).body).toMatchObject({ model_id: null, model_ids: [] });
    expect((await history(between)).body).toMatchObject({ model_id: `${name}_v1`, version: '1' });
    expect((await history(after)).body).toMatchObject({
      model_id: `${name}_v2`,
      version: '2',
      model_ids: [`${name}_v2`],
    });
    const archivedThen = await t
      .http()
      .get(`/api/v1/models/${name}/history`)
      .query({ stage: 'archived', at: after.toISOString() });
    expect(archivedThen.body.model_ids).toEqual([`${name}_v1`]);
    const unknown = await t
      .http()
      .get('/api/v1/models/nobody/history')
      .query({ stage: 'production', at: after.toISOString() });
    expect(unknown.status).toBe(404);
    const noAt = await t.http().get(`/api/v1/models/${name}/history`).query({ stage: 'production' });
    expect(noAt.status).toBe(400);
  });

  it('records every stage change in the promotion ledger with actor and reason', async () => {
    const name = uniqueName('ledger');
    await register({ name, version: '1', model_type: 'classifier' });
    await register({ name, version: '2', model_type: 'classifier' });
    await promote(`${name}_v1`, { version: '1', stage: 'staging', reason: 'qa' }).expect(204);
    await promote(`${name}_v1`, { version: '1' }).expect(204);
    await promote(`${name}_v2`, { version: '2', reason: 'retrained' }).expect(204);

    const ledger = await t.http().get(`/api/v1/models/${name}_v1/promotions`);

    expect(ledger.status).toBe(200);
    expect(
      ledger.body.map((r: { action: string; from_stage: string; to_stage: string; reason: string }) => [
        r.action,
        r.from_stage,
        r.to_stage,
        r.reason,
      ]),
    ).toEqual([
      ['register', null, 'registered', ''],
      ['stage', 'registered', 'staging', 'qa'],
      ['stage', 'staging', 'production', ''],
      ['stage', 'production', 'archived', 'retrained'],
    ]);
    expect(ledger.body[1]).toMatchObject({ actor: expect.any(String), version: '1', forced: false });
    expect(ledger.body[1].promoted_at).toMatch(/Z$/);
    expect((await t.http().get('/api/v1/models/none_v1/promotions')).status).toBe(404);
  });

  it('guards retirement with references from registered sources, unless forced (recorded)', async () => {
    const name = uniqueName('guard');
    await register({ name, version: '1', model_type: 'classifier' });
    const id = `${name}_v1`;
    t.app.get(ModelReferences).register({
      name: `test-ab-${name}`,
      find: async (modelId) =>
        modelId === id ? [{ kind: 'ab_test', id: 'ab-1', description: 'running A/B test ab-1' }] : [],
    });

    const refused = await t.http().post(`/api/v1/models/${id}/retire`).send({});
    const forced = await t
      .http()
      .post(`/api/v1/models/${id}/retire`)
      .send({ force: true, reason: 'emergency' });

    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('MODEL_IN_USE');
    expect(refused.body.error.details.references).toEqual([
      { kind: 'ab_test', id: 'ab-1', description: 'running A/B test ab-1' },
    ]);
    expect(forced.status).toBe(204);
    const ledger = await t.http().get(`/api/v1/models/${id}/promotions`);
    expect(ledger.body.at(-1)).toMatchObject({
      to_stage: 'archived',
      forced: true,
      reason: 'emergency',
      references: [expect.objectContaining({ id: 'ab-1' })],
    });
  });

  it('exposes the port: register with serving, resolve by id and alias, production per service', async () => {
    const registry = t.app.get<ModelRegistry>(MODEL_REGISTRY);
    const name = uniqueName('port');

    const v1 = await registry.registerVersion(
      {
        name,
        model_type: 'classifier',
        framework: 'onnx',
        service: `${name}-svc`,
        serving: { runtime: 'onnx' },
        metrics: { f1: 0.9 },
      },
      'trainer',
    );
    const v2 = await registry.registerVersion(
      { name, model_type: 'classifier', framework: 'onnx', service: `${name}-svc` },
      'trainer',
    );
    await promote(v2.id, { version: v2.version }).expect(204);
    await t.http().put(`/api/v1/models/${name}/aliases/champion`).send({ version: '1' }).expect(200);

    expect([v1.version, v2.version]).toEqual(['1', '2']);
    expect(v1).toMatchObject({
      id: `${name}_v1`,
      service: `${name}-svc`,
      serving: { runtime: 'onnx' },
      metrics: { f1: 0.9 },
    });
    expect((await registry.resolve(`${name}@champion`)).id).toBe(v1.id);
    expect((await registry.productionVersionForService(`${name}-svc`))?.id).toBe(v2.id);
    expect(await registry.productionVersionForService('nobody')).toBeUndefined();
    await expect(registry.resolve(`${name}@nope`)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(
      registry.registerVersion(
        { name, model_type: 'x', framework: 'onnx', serving: { runtime: 'http' } },
        'trainer',
      ),
    ).rejects.toMatchObject({ kind: 'invalid', code: 'INVALID_SERVING' });
  });

  it('publishes lifecycle events for register and stage changes', async () => {
    const name = uniqueName('events');
    await register({ name, version: '1', model_type: 'classifier' });
    await promote(`${name}_v1`, { version: '1' });

    const events = await eventually(async () => {
      const all = await t.app.get(EventStore).readAfter(0, 100_000, ['lifecycle']);
      const mine = all.filter((e) => e.data.name === name);
      expect(mine).toHaveLength(2);
      return mine;
    });

    expect(events.map((e) => e.type)).toEqual(['model.registered', 'model.stage_changed']);
    expect(events[1]!.data).toMatchObject({
      model_id: `${name}_v1`,
      name,
      version: '1',
      from_stage: 'registered',
      to_stage: 'production',
    });
  });
});
