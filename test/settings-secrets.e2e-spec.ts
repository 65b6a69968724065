import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '@app/events/event-store';
import { RuntimeSettings } from '@app/settings/runtime-settings.service';
import { startApp, type TestApp } from './support/test-app';

const PLAINTEXT = 'whsec-PLAINTEXT-4f8a2c91d7e3';

/** Every byte SQLite keeps for the database: the file and its journal/WAL companions. */
function databaseBytes(dir: string): Buffer {
  return Buffer.concat(
    readdirSync(dir)
      .filter((f) => f.startsWith('x.db'))
      .map((f) => readFileSync(join(dir, f))),
  );
}

describe('secret settings', () => {
  let dir: string;
  let t: TestApp | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'artenic-secrets-'));
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  const boot = (env: Record<string, string> = {}) =>
    startApp({ env: { ARTENIC_DATABASE_URL: `sqlite:${join(dir, 'x.db')}`, ARTENIC_DATA_DIR: dir, ...env } });

  it('keeps only ciphertext at rest and shows the secret masked in responses, audit and events', async () => {
    t = await boot();
    const since = await t.app.get(EventStore).maxId();

    const put = await t
      .http()
      .put('/api/v1/settings/global/webhook')
      .send({ secret: PLAINTEXT, timeout_seconds: '12' });

    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ secret: '***', timeout_seconds: '12' });
    const section = await t.http().get('/api/v1/settings/global/webhook');
    const scope = await t.http().get('/api/v1/settings/global');
    const audit = await t.http().get('/api/v1/settings/audit?section=webhook&key=secret');
    const events = await t.app.get(EventStore).readAfter(since, 100);
    expect(section.body.secret).toBe('***');
    expect(JSON.stringify(scope.body)).not.toContain(PLAINTEXT);
    expect(audit.body).toEqual([
      expect.objectContaining({
        key: 'secret',
        secret: true,
        old_value: '',
        new_value: '***',
        action: 'create',
        changed_by: 'anonymous',
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain(PLAINTEXT);
    expect(t.app.get(RuntimeSettings).string('webhook', 'secret')).toBe(PLAINTEXT);
    await t.close();
    const bytes = databaseBytes(dir);
    expect(bytes.includes(Buffer.from('timeout_seconds'))).toBe(true);
    expect(bytes.includes(Buffer.from(PLAINTEXT))).toBe(false);
    expect(bytes.includes(Buffer.from(PLAINTEXT.slice(6, 20)))).toBe(false);
  });

  it('generates a key in the data directory (owner-only) so that a restart still opens stored secrets', async () => {
    t = await boot();
    await t.http().put('/api/v1/settings/global/webhook').send({ secret: PLAINTEXT });
    await t.close();

    t = await boot();

    expect(t.app.get(RuntimeSettings).string('webhook', 'secret')).toBe(PLAINTEXT);
    const keyFile = join(dir, 'secret.key');
    expect(existsSync(keyFile)).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const health = await t.http().get('/health/detailed');
    expect(health.body.components.settings).toMatchObject({
      status: 'up',
      secret_key: { source: 'data_dir_file' },
    });
  });

  it('opens secrets after a key rotation, re-encrypts them, and then no longer needs the old key', async () => {
    t = await boot({ ARTENIC_SECRET_KEY: 'first passphrase' });
    await t.http().put('/api/v1/settings/global/webhook').send({ secret: PLAINTEXT });
    await t.close();
    t = await boot({
      ARTENIC_SECRET_KEY: 'second passphrase',
      ARTENIC_SECRET_KEYS_PREVIOUS: '["first passphrase"]',
    });
    expect(t.app.get(RuntimeSettings).string('webhook', 'secret')).toBe(PLAINTEXT);

    const rotate = await t.http().post('/api/v1/settings/secrets/rotate');
    const again = await t.http().post('/api/v1/settings/secrets/rotate');

    expect(rotate.status).toBe(200);
    expect(rotate.body).toMatchObject({
      reencrypted: 1,
      already_current: 0,
      undecryptable: 0,
      stores: { settings: { reencrypted: 1 } },
    });
    expect(rotate.body.key_ids).toHaveLength(2);
    expect(again.body).toMatchObject({ reencrypted: 0, already_current: 1 });
    const audit = await t.http().get('/api/v1/settings/audit?key=secret');
    expect(audit.body[0]).toMatchObject({ action: 'reencrypt', old_value: '***', new_value: '***' });
    await t.close();
    t = await boot({ ARTENIC_SECRET_KEY: 'second passphrase' });
    expect(t.app.get(RuntimeSettings).string('webhook', 'secret')).toBe(PLAINTEXT);
    expect(databaseBytes(dir).includes(Buffer.from(PLAINTEXT))).toBe(false);
  });

  it('reports a secret no key of the ring opens instead of failing, and keeps serving', async () => {
    t = await boot({ ARTENIC_SECRET_KEY: 'first passphrase' });
    await t.http().put('/api/v1/settings/global/webhook').send({ secret: PLAINTEXT });
    await t.close();

    t = await boot({ ARTENIC_SECRET_KEY: 'unrelated passphrase' });

    const health = await t.http().get('/health/detailed');
    expect(health.body.components.settings).toMatchObject({
      status: 'degraded',
      unreadable_secrets: ['webhook.secret'],
    });
    const section = await t.http().get('/api/v1/settings/global/webhook');
    expect(section.status).toBe(200);
    const rotate = await t.http().post('/api/v1/settings/secrets/rotate');
    expect(rotate.body).toMatchObject({ reencrypted: 0, undecryptable: 1 });
  });
});
