import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eventually } from './support/eventually';

const ROOT = join(__dirname, '..');

/**
 * Builds the platform once and copies the build aside (under the git-ignored /tmp of the repo, so
 * node_modules still resolve), so that another `nest build` running meanwhile cannot pull files away
 * from processes under test.
 */
export function buildPlatform(): { main: string; dispose: () => void } {
  execSync('npx nest build', { cwd: ROOT, stdio: 'ignore' });
  const dir = join(ROOT, 'tmp', `training-dist-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  return { main: join(dir, 'dist', 'main.js'), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface PlatformProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM and wait for the exit. */
  stop: () => Promise<void>;
}

/** Starts `node dist/main.js` with the given environment and waits until it is ready. */
export async function startPlatform(main: string, env: Record<string, string>): Promise<PlatformProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ARTENIC_HOST: '127.0.0.1',
      ARTENIC_PORT: String(port),
      ARTENIC_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    async () => {
      if (child.exitCode !== null) throw new Error(`platform exited (${child.exitCode}): ${output}`);
      const res = await fetch(`${url}/health/ready`);
      if (res.status !== 200) throw new Error(`not ready: ${res.status}`);
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  return {
    url,
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
