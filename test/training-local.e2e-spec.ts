import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './support/eventually';
import { startApp, type TestApp } from './support/test-app';
import { RecordingSocket } from './support/ws-client';
import { trainingClient } from './training-support';

/** Processes of a process group still alive (zombies excluded). */
function groupMembers(pgid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=']).toString();
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => Number(f[1]) === pgid && !String(f[2]).startsWith('Z'))
    .map((f) => Number(f[0]));
}

const pgidOf = (pid: number) =>
  Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);

jest.setTimeout(30_000);

describe('training with the local provider', () => {
  let t: TestApp;
  let c: ReturnType<typeof trainingClient>;

  beforeAll(async () => {
    t = await startApp({
      env: {
        ARTENIC_TRAINING__POLL_INTERVAL_MS: '100',
        ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '0.1',
        ARTENIC_LOCAL__KILL_GRACE_MS: '500',
      },
    });
    c = trainingClient(t);
  });
  afterAll(() => t.close());

  it('trains the example, streams its events on /ws, serves its logs and registers the model with its artifact', async () => {
    const socket = await RecordingSocket.open(`${t.url.replace('http', 'ws')}/ws?topics=training`);

    const res = await c.dispatch({
      service: 'exam-pass',
      model: 'exam-pass-logreg',
      provider: 'local',
      config: {
        entry_point: 'examples/train_tabular/train.js',
        hyperparameters: { epochs: 300, learning_rate: 0.1 },
      },
    });
    const jobId = res.body.job_id as string;
    const done = await eventually(
      () => {
        const statuses = socket
          .events()
          .filter((e) => e._topic === 'training' && e.job_id === jobId)
          .map((e) => String(e.status));
        if (!statuses.includes('completed') && !statuses.includes('failed'))
          throw new Error(`events so far: ${statuses.join(',')}`);
        return statuses;
      },
      { timeoutMs: 20_000 },
    );
    const job = await eventually(async () => {
      const current = await c.job(jobId);
      if (!current.model_version_id && !current.registration_error)
        throw new Error('model not registered yet');
      return current;
    });
    const logs = await t.http().get(`/api/v1/training/${jobId}/logs?tail=3`);
    const model = await t.http().get(`/api/v1/models/${job.model_version_id}`);
    const artifacts = await t.http().get(`/api/v1/models/${job.model_version_id}/artifacts`);
    socket.close();

    // A short job can finish between two polls: `running` is then not observed, but the order holds.
    expect(done.filter((s) => s !== 'running')).toEqual(['pending', 'provisioning', 'completed']);
    expect(done.indexOf('running')).not.toBe(0);
    expect(job.registration_error).toBeNull();
    expect(job.metrics?.accuracy).toBeGreaterThan(0.8);
    expect(logs.status).toBe(200);
    expect(logs.text).toContain('done: accuracy=');
    expect(logs.text.trim().split('\n')).toHaveLength(3);
    expect(model.status).toBe(200);
    expect(model.body).toMatchObject({
      name: 'exam-pass-logreg',
      training_job_id: jobId,
      serving: { runtime: 'onnx', artifact: 'model.onnx' },
    });
    expect((artifacts.body as Array<{ path: string }>).map((a) => a.path).sort()).toEqual([
      'metrics.json',
      'model.onnx',
    ]);
  });

  it('passes hyperparameters and the output dir as environment variables, and fails on a non-zero exit', async () => {
    const script =
      'echo "lr=$ARTENIC_HP_LEARNING_RATE hp=$ARTENIC_HYPERPARAMETERS out=$ARTENIC_OUTPUT_DIR"; exit 3';
    const res = await c.dispatch({
      provider: 'local',
      config: { command: ['sh', '-c', script], hyperparameters: { learning_rate: 0.01 } },
    });

    const failed = await c.until(res.body.job_id, 'failed', 10_000);
    const logs = await t.http().get(`/api/v1/training/${res.body.job_id}/logs`);

    expect(failed.error).toBe('Process exited with code 3');
    expect(logs.text).toContain('lr=0.01 hp={"learning_rate":0.01} out=');
    expect(logs.text).toContain(`${res.body.job_id}/output`);
  });

  it('cancel kills the whole process group', async () => {
    const script = 'echo $$ > "$ARTENIC_JOB_DIR/pid"; sleep 30 & sleep 30 & wait';
    const res = await c.dispatch({ provider: 'local', config: { command: ['sh', '-c', script] } });
    const jobId = res.body.job_id as string;
    await c.until(jobId, 'running', 10_000);
    const pidFile = join(t.dataDir, 'local-jobs', jobId, 'pid');
    const pid = await eventually(() => {
      if (!existsSync(pidFile)) throw new Error('no pid yet');
      return Number(readFileSync(pidFile, 'utf8'));
    });
    const pgid = pgidOf(pid);
    expect(groupMembers(pgid).length).toBeGreaterThanOrEqual(3);

    const cancelled = await t.http().post(`/api/v1/training/${jobId}/cancel`);

    expect(cancelled.body.status).toBe('cancelled');
    await eventually(() => expect(groupMembers(pgid)).toEqual([]), { timeoutMs: 5000 });
  });

  it('streams logs with follow=true until the job ends', async () => {
    const script = 'for i in 1 2 3 4; do echo "line $i"; sleep 0.3; done';
    const res = await c.dispatch({ provider: 'local', config: { command: ['sh', '-c', script] } });

    const followed = await t.http().get(`/api/v1/training/${res.body.job_id}/logs?follow=true`);

    expect(followed.status).toBe(200);
    expect(followed.text).toBe('line 1\nline 2\nline 3\nline 4\n');
  });
});

describe('local provider concurrency limit (counted in the database)', () => {
  let t: TestApp;
  let c: ReturnType<typeof trainingClient>;

  beforeAll(async () => {
    t = await startApp({
      env: {
        ARTENIC_TRAINING__POLL_INTERVAL_MS: '100',
        ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '0.1',
        ARTENIC_LOCAL__MAX_CONCURRENT_JOBS: '1',
      },
    });
    c = trainingClient(t);
  });
  afterAll(() => t.close());

  it('keeps a second job pending while the only slot is busy, then runs it', async () => {
    const first = await c.dispatch({ provider: 'local', config: { command: ['sleep', '1'] } });
    await c.until(first.body.job_id, 'running', 10_000);

    const second = await c.dispatch({ provider: 'local', config: { command: ['true'] } });
    await c.tick();
    const waiting = await c.job(second.body.job_id);
    const done = await c.until(second.body.job_id, 'completed', 15_000);

    expect(waiting.status).toBe('pending');
    expect((await c.job(first.body.job_id)).status).toBe('completed');
    expect(done.status).toBe('completed');
  });
});
