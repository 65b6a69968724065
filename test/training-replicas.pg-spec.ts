import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually } from './support/eventually';
import { createPgDatabase } from './support/test-app';
import { buildPlatform, startPlatform, type PlatformProcess } from './training-processes';

jest.setTimeout(180_000);

const TERMINAL = ['completed', 'failed', 'cancelled'];

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The mock behaviour of job i: most complete, some fail, some are preempted spot jobs that recover. */
function mockJob(i: number): Record<string, unknown> {
  if (i % 10 === 0)
    return {
      is_spot: true,
      instance_type: 'mock-gpu-a100',
      config: { mock: { duration_seconds: 0.4, preempt_at_seconds: 0.2, preempt_attempts: 1 } },
    };
  if (i % 7 === 0) return { config: { mock: { duration_seconds: 5, fail_at_seconds: 0.3 } } };
  return { instance_type: 'mock-cpu-small', config: { mock: { duration_seconds: 0.2 + (i % 5) * 0.2 } } };
}

function expectedFinal(i: number): string {
  return i % 10 !== 0 && i % 7 === 0 ? 'failed' : 'completed';
}

const ALLOWED: Record<string, string[]> = {
  pending: ['provisioning', 'running', 'failed', 'cancelled'],
  provisioning: ['running', 'completed', 'failed', 'cancelled', 'preempted'],
  running: ['completed', 'failed', 'cancelled', 'preempted'],
  preempted: ['recovering', 'failed', 'cancelled'],
  recovering: ['running', 'completed', 'failed', 'cancelled', 'preempted'],
};

/**
 * A job's events form one unbroken chain (each event's previous_status is the status the event before
 * it announced, every step allowed): a transition emitted twice, or lost, breaks the chain.
 */
function chainProblems(events: Array<{ status: string; previous: string }>): string[] {
  const problems: string[] = [];
  events.forEach((e, k) => {
    if (k === 0) {
      if (e.status !== 'pending') problems.push(`first event is ${e.status}`);
      return;
    }
    const before = events[k - 1]?.status ?? '';
    if (e.previous !== before) problems.push(`event ${k}: previous ${e.previous}, expected ${before}`);
    if (!ALLOWED[before]?.includes(e.status))
      problems.push(`event ${k}: ${before} → ${e.status} not allowed`);
  });
  return problems;
}

describe('training pollers in two platform processes on one PostgreSQL', () => {
  let build: ReturnType<typeof buildPlatform>;
  let db: { url: string; drop: () => Promise<void> };
  let pg: Client;
  const dataDirs: string[] = [];
  const running: PlatformProcess[] = [];

  const platform = async (instance: string, extra: Record<string, string> = {}, dataDir?: string) => {
    const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'artenic-replica-'));
    if (!dataDir) dataDirs.push(dir);
    const p = await startPlatform(build.main, {
      ARTENIC_DATABASE_URL: db.url,
      ARTENIC_DATA_DIR: dir,
      ARTENIC_INSTANCE_ID: instance,
      ARTENIC_TRAINING__POLL_INTERVAL_MS: '100',
      ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '0.1',
      ARTENIC_TRAINING__POLL_BATCH_SIZE: '25',
      ARTENIC_EVENTS__POLL_INTERVAL_MS: '200',
      // Budgets are not under test here (and spend nothing on mock/local jobs).
      ARTENIC_BUDGET__ENABLED: 'false',
      ARTENIC_DATABASE_POOL_SIZE: '20',
      ...extra,
    });
    running.push(p);
    return p;
  };

  beforeAll(async () => {
    build = buildPlatform();
    db = await createPgDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  });
  afterAll(async () => {
    for (const p of running) await p.stop();
    await pg.end();
    await db.drop();
    build.dispose();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('finishes 200 mock jobs, each transition event once, never polled by both at once', async () => {
    const [a, b] = await Promise.all([platform('replica-a'), platform('replica-b')]);
    try {
      await runTwoHundred(a, b);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  async function runTwoHundred(a: PlatformProcess, b: PlatformProcess): Promise<void> {
    const ids: Array<{ id: string; i: number }> = [];
    for (let start = 0; start < 200; start += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, k) => start + k).map(async (i) => {
          const res = await post(`${(i % 2 ? a : b).url}/api/v1/training/dispatch`, {
            service: 'replicas',
            model: `m${i % 3}`,
            provider: 'mock',
            ...mockJob(i),
          });
          if (res.status !== 200)
            throw new Error(`dispatch ${i}: ${JSON.stringify(res.body)}\n${a.output()}${b.output()}`);
          return { id: String(res.body.job_id), i };
        }),
      );
      ids.push(...batch);
    }

    await eventually(
      async () => {
        const { rows } = await pg.query<{ n: string }>(
          `SELECT count(*) AS n FROM training_jobs WHERE status NOT IN ('completed', 'failed', 'cancelled')`,
        );
        if (Number(rows[0]?.n) > 0) throw new Error(`${rows[0]?.n} jobs unfinished`);
      },
      { timeoutMs: 90_000, intervalMs: 250 },
    );

    const jobs = await pg.query<{ id: string; status: string }>('SELECT id, status FROM training_jobs');
    expect(jobs.rows).toHaveLength(200);
    expect(jobs.rows.every((j) => TERMINAL.includes(j.status))).toBe(true);
    const events = await pg.query<{ subject: string; status: string; previous: string }>(
      `SELECT subject, data->>'status' AS status, data->>'previous_status' AS previous FROM events WHERE topic = 'training' ORDER BY id`,
    );
    const byJob = new Map<string, Array<{ status: string; previous: string }>>();
    for (const e of events.rows) byJob.set(e.subject, [...(byJob.get(e.subject) ?? []), e]);
    for (const { id, i } of ids) {
      const chain = byJob.get(id) ?? [];
      expect([i, chainProblems(chain), chain[chain.length - 1]?.status]).toEqual([i, [], expectedFinal(i)]);
      if (i % 10 === 0) expect(chain.filter((e) => e.status === 'preempted')).toHaveLength(1);
    }
    const overlaps = await pg.query<{ job_id: string }>(`
      SELECT p1.job_id FROM training_polls p1 JOIN training_polls p2
        ON p1.job_id = p2.job_id AND p1.id < p2.id
       WHERE p2.claimed_at < COALESCE(p1.released_at, 'infinity') AND p1.claimed_at < COALESCE(p2.released_at, 'infinity')`);
    expect(overlaps.rows).toEqual([]);
    const owners = await pg.query<{ lease_owner: string; n: string }>(
      'SELECT lease_owner, count(*) AS n FROM training_polls GROUP BY lease_owner ORDER BY lease_owner',
    );
    expect(owners.rows.map((r) => r.lease_owner)).toEqual(['replica-a', 'replica-b']);
    const unreleased = await pg.query('SELECT 1 FROM training_polls WHERE released_at IS NULL');
    expect(unreleased.rows).toEqual([]);
  }

  it('resolves local jobs after a kill -9 of the platform, leaving no orphan process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'artenic-crash-'));
    dataDirs.push(dataDir);
    // A short lease: a job claimed by the killed process is free again after 5 s.
    const lease = { ARTENIC_TRAINING__LEASE_SECONDS: '5' };
    const first = await platform('crash-1', lease, dataDir);
    const finishing = await post(`${first.url}/api/v1/training/dispatch`, {
      service: 'crash',
      model: 'c',
      provider: 'local',
      config: { command: ['sh', '-c', 'echo $$ > "$ARTENIC_JOB_DIR/pid"; sleep 3; echo finished'] },
    });
    expect(finishing.status).toBe(200);
    const doomed = await post(`${first.url}/api/v1/training/dispatch`, {
      service: 'crash',
      model: 'c',
      provider: 'local',
      config: { command: ['sh', '-c', 'echo $$ > "$ARTENIC_JOB_DIR/pid"; sleep 60'] },
    });
    const pidOf = (jobId: unknown) =>
      eventually(
        () => {
          const file = join(dataDir, 'local-jobs', String(jobId), 'pid');
          if (!existsSync(file)) throw new Error(`not started: ${file} ${first.output().slice(-2000)}`);
          return Number(readFileSync(file, 'utf8'));
        },
        { timeoutMs: 15_000 },
      );
    const [finishingPid, doomedPid] = [await pidOf(finishing.body.job_id), await pidOf(doomed.body.job_id)];
    const pgid = (pid: number) =>
      Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
    const groups = [pgid(finishingPid), pgid(doomedPid)];

    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    process.kill(-groups[1]!, 'SIGKILL'); // the doomed job dies while no platform watches it
    const second = await platform('crash-2', lease, dataDir);

    await eventually(
      async () => {
        const { rows } = await pg.query<{ id: string; status: string; error: string | null }>(
          `SELECT id, status, error FROM training_jobs WHERE service = 'crash' ORDER BY id`,
        );
        const byId = new Map(rows.map((r) => [r.id, r]));
        expect(byId.get(String(finishing.body.job_id))?.status).toBe('completed');
        expect(byId.get(String(doomed.body.job_id))).toMatchObject({
          status: 'failed',
          error: 'the local process is gone and left no exit code',
        });
      },
      { timeoutMs: 45_000, intervalMs: 200 },
    );
    const alive = execFileSync('ps', ['-eo', 'pgid=,stat='])
      .toString()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => groups.includes(Number(f[0])) && !String(f[1]).startsWith('Z'));
    expect(alive).toEqual([]);
    await second.stop();
  });
});
