import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { eventually } from './eventually';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

/** The built platform as a real process (`node dist/main.js`), for signal, crash and multi-process tests. */
export class PlatformProcess {
  readonly child: ChildProcess;
  output = '';
  exitCode: number | null | undefined;
  readonly url: string;

  constructor(env: Record<string, string>, port: number) {
    this.url = `http://127.0.0.1:${port}`;
    this.child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', ARTENIC_HOST: '127.0.0.1', ARTENIC_PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.on('exit', (code) => (this.exitCode = code));
  }

  /** Below Linux's ephemeral range (32768+), so no client socket of the machine can be holding it. */
  static freePort(): number {
    return 20000 + Math.floor(Math.random() * 12000);
  }

  async ready(timeoutMs = 15000): Promise<void> {
    await eventually(
      async () => {
        if (this.exitCode !== undefined) throw new Error(`exited with ${this.exitCode}: ${this.output}`);
        const res = await fetch(`${this.url}/health/ready`);
        if (res.status !== 200) throw new Error(`ready answered ${res.status}`);
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  async exited(timeoutMs = 15000): Promise<number | null> {
    return eventually(
      () => {
        if (this.exitCode === undefined) throw new Error('still running');
        return this.exitCode;
      },
      { timeoutMs },
    );
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exitCode === undefined) this.child.kill(signal);
  }
}
