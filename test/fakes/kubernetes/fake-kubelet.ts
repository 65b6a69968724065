import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Plays the kubelet for one pod: runs the container's command for real on this machine with the pod's
 * environment, keeps its stdout as the pod log, and gives the emptyDir work volume a temporary directory
 * (`ARTENIC_BOOTSTRAP_ROOT`, which the bootstrap entrypoint honours). Killing it kills the whole process group,
 * as deleting the pod would.
 */
export class FakeKubelet {
  private readonly dir = mkdtempSync(join(tmpdir(), 'artenic-fake-pod-'));
  private readonly child: ChildProcess;
  stdout = '';
  readonly exited: Promise<number>;

  constructor(command: string[], env: Record<string, string>) {
    const [file, ...args] = command;
    this.child = spawn(file ?? 'true', args, {
      env: { ...process.env, ...env, ARTENIC_BOOTSTRAP_ROOT: join(this.dir, 'work') },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdout?.on(
      'data',
      (c: Buffer) => (this.stdout = (this.stdout + c.toString()).slice(-200_000)),
    );
    this.child.stderr?.on(
      'data',
      (c: Buffer) => (this.stdout = (this.stdout + c.toString()).slice(-200_000)),
    );
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code) => {
        this.kill(); // the container ends with its main process: background helpers go too
        resolve(code ?? 137);
      }),
    );
  }

  kill(): void {
    if (this.child.pid) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  dispose(): void {
    this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
