import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Test } from 'supertest';
import { MODEL_REGISTRY, type ModelRegistry } from '@app/registry/model-registry.port';
import { EventStore } from '@app/events/event-store';
import { startApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';
import { startMoto, type Moto } from './registry-moto';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Reads a binary supertest response body as a Buffer. */
const binary = ((res: Readable, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}) as unknown as Parameters<Test['parse']>[0];

function artifactSuite(label: string, boot: () => Promise<{ t: TestApp; cleanup?: () => Promise<void> }>) {
  describe(`registry artifacts and aliases (${label})`, () => {
    let t: TestApp;
    let cleanup: (() => Promise<void>) | undefined;
    let n = 0;

    beforeAll(async () => {
      ({ t, cleanup } = await boot());
    });
    afterAll(async () => {
      await t.close();
      await cleanup?.();
    });

    const newModel = async () => {
      const name = `art-${label}-${++n}`;
      await t
        .http()
        .post('/api/v1/models')
        .send({ name, version: '1', model_type: 'classifier' })
        .expect(201);
      return { name, id: `${name}_v1` };
    };
    const put = (id: string, path: string, body: Buffer, headers: Record<string, string> = {}) =>
      t
        .http()
        .put(`/api/v1/models/${id}/artifacts/${path}`)
        .set({ 'content-type': 'application/octet-stream', ...headers })
        .send(body);

    it('uploads, lists and downloads with size and SHA-256, also through name@alias', async () => {
      const { name, id } = await newModel();
      const data = Buffer.from('weights '.repeat(5000));
      await t.http().put(`/api/v1/models/${name}/aliases/champion`).send({ version: '1' }).expect(200);

      const up = await put(id, 'weights/model.onnx', data, { 'x-checksum-sha256': sha(data) });
      const list = await t.http().get(`/api/v1/models/${name}@champion/artifacts`);
      const down = await t
        .http()
        .get(`/api/v1/models/${name}@champion/artifacts/weights/model.onnx`)
        .buffer(true)
        .parse(binary);

      expect(up.status).toBe(200);
      expect(up.body).toMatchObject({
        model_id: id,
        path: 'weights/model.onnx',
        size_bytes: data.length,
        sha256: sha(data),
      });
      expect(list.body).toEqual([expect.objectContaining({ path: 'weights/model.onnx', sha256: sha(data) })]);
      expect(down.status).toBe(200);
      expect(down.headers['x-checksum-sha256']).toBe(sha(data));
      expect(sha(down.body as Buffer)).toBe(sha(data));
      expect(await t.app.get<ModelRegistry>(MODEL_REGISTRY).readArtifact(id, 'weights/model.onnx')).toEqual(
        data,
      );
      const events = await eventually(async () => {
        const all = await t.app.get(EventStore).readAfter(0, 100_000, ['lifecycle']);
        const uploaded = all.filter((e) => e.type === 'model.artifact_uploaded' && e.subject === id);
        expect(uploaded).toHaveLength(1);
        return uploaded;
      });
      expect(events[0]!.data).toMatchObject({
        model_id: id,
        name,
        version: '1',
        path: 'weights/model.onnx',
        sha256: sha(data),
      });
    });

    it('refuses a checksum mismatch, a second upload of the same path, bad paths and unknown files', async () => {
      const { id } = await newModel();
      const data = Buffer.from('abc');
      await put(id, 'a.bin', data).expect(200);

      const mismatch = await put(id, 'b.bin', data, { 'x-checksum-sha256': '0'.repeat(64) });
      const again = await put(id, 'a.bin', data);
      const traversal = await put(id, '..%2Fescape', data);
      const json = await t.http().put(`/api/v1/models/${id}/artifacts/c.bin`).send({ a: 1 });
      const missing = await t.http().get(`/api/v1/models/${id}/artifacts/nope.bin`);
      const unknownModel = await put('nobody_v1', 'a.bin', data);
      const list = await t.http().get(`/api/v1/models/${id}/artifacts`);

      expect(mismatch.status).toBe(400);
      expect(mismatch.body.error.code).toBe('ARTIFACT_CHECKSUM_MISMATCH');
      expect(again.status).toBe(409);
      expect(traversal.status).toBe(400);
      expect(json.status).toBe(415);
      expect(missing.status).toBe(404);
      expect(unknownModel.status).toBe(404);
      expect(list.body.map((a: { path: string }) => a.path)).toEqual(['a.bin']);
    });

    it('attaches a file produced elsewhere through the port', async () => {
      const { id } = await newModel();
      const dir = mkdtempSync(join(tmpdir(), 'artifact-src-'));
      writeFileSync(join(dir, 'model.onnx'), Buffer.from([1, 2, 3, 4]));

      await t.app
        .get<ModelRegistry>(MODEL_REGISTRY)
        .attachArtifactFromFile(id, 'model.onnx', join(dir, 'model.onnx'), 'trainer');

      const list = await t.http().get(`/api/v1/models/${id}/artifacts`);
      expect(list.body).toEqual([
        expect.objectContaining({ path: 'model.onnx', size_bytes: 4, uploaded_by: 'trainer' }),
      ]);
    });

    it('moves and deletes aliases, records them in the ledger and the point-in-time query, and guards retire', async () => {
      const { name } = await newModel();
      await t
        .http()
        .post('/api/v1/models')
        .send({ name, version: '2', model_type: 'classifier' })
        .expect(201);
      const beforeAll = new Date();
      await t
        .http()
        .put(`/api/v1/models/${name}/aliases/champion`)
        .send({ version: '1', reason: 'first' })
        .expect(200);
      const afterFirst = new Date();
      await t
        .http()
        .put(`/api/v1/models/${name}/aliases/champion`)
        .send({ version: '2', reason: 'better' })
        .expect(200);

      const resolved = await t.http().get(`/api/v1/models/${name}@champion`);
      const aliases = await t.http().get(`/api/v1/models/${name}/aliases`);
      const retireRefused = await t.http().post(`/api/v1/models/${name}@champion/retire`).send({});
      const at = (when: Date) =>
        t.http().get(`/api/v1/models/${name}/history`).query({ alias: 'champion', at: when.toISOString() });

      expect(resolved.body).toMatchObject({ model_id: `${name}_v2`, aliases: ['champion'] });
      expect(aliases.body).toEqual([
        expect.objectContaining({ alias: 'champion', model_id: `${name}_v2`, version: '2' }),
      ]);
      expect(retireRefused.status).toBe(409);
      expect(retireRefused.body.error.details.references).toEqual([
        expect.objectContaining({ kind: 'alias', id: `${name}@champion` }),
      ]);
      expect((await at(beforeAll)).body.model_id).toBeNull();
      expect((await at(afterFirst)).body.model_id).toBe(`${name}_v1`);
      expect((await at(new Date())).body.model_id).toBe(`${name}_v2`);
      await t.http().delete(`/api/v1/models/${name}/aliases/champion`).query({ reason: 'done' }).expect(204);
      expect((await at(new Date())).body.model_id).toBeNull();
      expect((await t.http().get(`/api/v1/models/${name}@champion`)).status).toBe(404);
      expect((await t.http().delete(`/api/v1/models/${name}/aliases/champion`)).status).toBe(404);
      const ledger = await t.http().get(`/api/v1/models/${name}_v2/promotions`);
      expect(ledger.body.map((r: { action: string }) => r.action)).toEqual([
        'register',
        'alias_set',
        'alias_deleted',
      ]);
      expect(ledger.body[1]).toMatchObject({
        alias: 'champion',
        previous_model_id: `${name}_v1`,
        reason: 'better',
      });
      expect((await t.http().get('/api/v1/models/nobody/aliases')).status).toBe(404);
      expect(
        (await t.http().put(`/api/v1/models/${name}/aliases/champion`).send({ version: '9' })).status,
      ).toBe(404);
    });
  });
}

artifactSuite('local', async () => ({ t: await startApp() }));

artifactSuite('s3', async () => {
  const moto: Moto = await startMoto();
  return { t: await startApp({ env: moto.env }), cleanup: moto.stop };
});

artifactSuite('express', async () => ({ t: await startApp({ env: { ARTENIC_HTTP_ADAPTER: 'express' } }) }));
