import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'pg-cluster.sh');

/** A private PostgreSQL cluster a test may stop and start (never the shared lane cluster). */
export class PgCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'artenic-pgtest-'));
  readonly port = 57000 + Math.floor(Math.random() * 2000);
  adminUrl = '';

  start(): string {
    this.adminUrl = execFileSync('bash', [SCRIPT, 'start', this.dir, String(this.port)], {
      encoding: 'utf8',
    }).trim();
    return this.adminUrl;
  }

  stop(): void {
    execFileSync('bash', [SCRIPT, 'stop', this.dir]);
  }

  destroy(): void {
    this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
