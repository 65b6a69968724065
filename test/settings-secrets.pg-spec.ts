import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeSettings } from '@app/settings/runtime-settings.service';
import { createPgDatabase, startApp, type TestApp } from './support/test-app';

const PLAINTEXT = 'provider-token-PLAINTEXT-93be10f2';
const PG_DUMP =
  ['/usr/lib/postgresql/15/bin/pg_dump', '/usr/bin/pg_dump'].find((p) => existsSync(p)) ?? 'pg_dump';

describe('secret settings on PostgreSQL', () => {
  let db: { url: string; drop: () => Promise<void> };
  let dir: string;
  let t: TestApp | undefined;

  beforeEach(async () => {
    db = await createPgDatabase();
    dir = mkdtempSync(join(tmpdir(), 'artenic-secrets-pg-'));
  });
  afterEach(async () => {
    await t?.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no plaintext in a pg_dump and opens the secret after a restart', async () => {
    const env = { ARTENIC_DATA_DIR: dir };
    t = await startApp({ databaseUrl: db.url, env });

    const put = await t
      .http()
      .put('/api/v1/settings/global/webhook')
      .send({ secret: PLAINTEXT, url: 'https://hooks.example.com/a' });

    expect(put.status).toBe(200);
    expect(put.body.secret).toBe('***');
    const dump = execFileSync(PG_DUMP, ['--data-only', '--inserts', db.url], { encoding: 'utf8' });
    expect(dump).toContain('https://hooks.example.com/a');
    expect(dump).toMatch(/v1\.[0-9a-f]{12}\./);
    expect(dump).not.toContain(PLAINTEXT);
    await t.close();
    t = await startApp({ databaseUrl: db.url, env });
    expect(t.app.get(RuntimeSettings).string('webhook', 'secret')).toBe(PLAINTEXT);
  });
});
