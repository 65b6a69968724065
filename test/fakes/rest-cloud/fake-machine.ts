import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Plays the cloud's machine: runs the bootstrap script the adapter sent (user data, pod arguments) for real
 * with bash, with `shutdown` replaced by a program that records the power-off. The fakes move the machine to
 * its "off" state when that happens, as the cloud would.
 */
export class FakeMachine {
  private readonly dir = mkdtempSync(join(tmpdir(), 'artenic-fake-machine-'));
  private child: ChildProcess | undefined;
  exited: Promise<number>;
  poweredOff = false;

  constructor(script: string, env: Record<string, string> = {}, onPowerOff: () => void = () => undefined) {
    const bin = join(this.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'shutdown'), `#!/bin/bash\ntouch ${join(this.dir, 'powered-off')}\n`);
    chmodSync(join(bin, 'shutdown'), 0o755);
    writeFileSync(join(this.dir, 'script.sh'), script);
    this.child = spawn('bash', [join(this.dir, 'script.sh')], {
      env: {
        ...process.env,
        ...env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        ARTENIC_BOOTSTRAP_ROOT: join(this.dir, 'root'),
      },
      stdio: 'ignore',
      detached: true, // its own process group, so that killing the machine kills the training too
    });
    this.exited = new Promise((resolve) => {
      this.child!.once('exit', (code) => {
        this.poweredOff = existsSync(join(this.dir, 'powered-off'));
        if (this.poweredOff) onPowerOff();
        resolve(code ?? -1);
      });
    });
  }

  /** The cloud takes the machine away (delete, preemption): the process dies without finishing. */
  kill(): void {
    if (this.child?.pid && this.child.exitCode === null) {
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
