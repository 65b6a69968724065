import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformProcess } from './support/platform-process';
import { RecordingSocket } from './support/ws-client';

describe('the platform as a process', () => {
  const dirs: string[] = [];
  const procs: PlatformProcess[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'artenic-proc-'));
    dirs.push(dir);
    return dir;
  };
  const start = (env: Record<string, string>) => {
    const p = new PlatformProcess({ ARTENIC_LOG_LEVEL: 'warn', ...env }, PlatformProcess.freePort());
    procs.push(p);
    return p;
  };

  afterAll(() => {
    for (const p of procs) p.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('starts on the embedded SQLite file, then on SIGTERM closes WebSockets with 1001 and exits 0', async () => {
    const dir = dataDir();
    const platform = start({ ARTENIC_DATA_DIR: dir });
    await platform.ready();
    const client = await RecordingSocket.open(`${platform.url.replace('http', 'ws')}/ws?topics=training`);

    platform.kill('SIGTERM');

    expect(await client.closed()).toBe(1001);
    expect(await platform.exited()).toBe(0);
    expect(platform.output).not.toMatch(/"level":50/);
  });

  it('refuses a second process on the same SQLite file', async () => {
    const dir = dataDir();
    const first = start({ ARTENIC_DATA_DIR: dir });
    await first.ready();

    const second = start({ ARTENIC_DATA_DIR: dir });
    const code = await second.exited(20000);

    expect(code).not.toBe(0);
    expect(second.output).toContain('in use by another process');
    expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);
    first.kill('SIGTERM');
    await first.exited();
  });

  it('stops at boot with a message naming each invalid variable', async () => {
    const bad = start({
      ARTENIC_DATA_DIR: dataDir(),
      ARTENIC_RATE_LIMIT_BURST: 'lots',
      ARTENIC_HTTP_ADAPTER: 'koa',
    });

    const code = await bad.exited();

    expect(code).toBe(2);
    expect(bad.output).toContain('ARTENIC_RATE_LIMIT_BURST');
    expect(bad.output).toContain('ARTENIC_HTTP_ADAPTER');
  });
});
