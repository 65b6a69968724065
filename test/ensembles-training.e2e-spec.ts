import { startApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';
import { EventStore } from '@app/events/event-store';
import { PeriodicTasks } from '@app/common/periodic/periodic-tasks';
import { TRAINING_POLLER_TASK } from '@app/training/training-poller';

interface EnsembleJob {
  id: string;
  job_id: string;
  ensemble_id: string;
  status: string;
  training_job_ids: string[];
  model_ids: string[];
  total_models: number;
  completed_models: number;
  failed_models: number;
  completed_at: string | null;
}

describe('ensembles: train dispatches one training job per member', () => {
  let t: TestApp;
  let seq = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

  async function member(): Promise<{ id: string; name: string }> {
    const name = unique('member');
    await t
      .http()
      .post('/api/v1/models')
      .send({ name, version: '1', model_type: 'classifier', framework: 'sklearn' })
      .expect(201);
    return { id: `${name}_v1`, name };
  }

  async function ensembleOf(members: Array<{ id: string }>): Promise<{ id: string; service: string }> {
    const service = unique('churn');
    const res = await t
      .http()
      .post('/api/v1/ensembles')
      .send({ name: 'avg', service, strategy: 'mean', model_ids: members.map((m) => m.id) })
      .expect(201);
    return { id: res.body.ensemble_id as string, service };
  }

  const train = (id: string, body: Record<string, unknown>) =>
    t.http().post(`/api/v1/ensembles/${id}/train`).send(body);

  /** Drives the training poller until the ensemble job reaches `status`. */
  async function untilStatus(ensembleId: string, jobId: string, status: string): Promise<EnsembleJob> {
    return eventually(async () => {
      await t.app.get(PeriodicTasks).runNow(TRAINING_POLLER_TASK);
      const res = await t.http().get(`/api/v1/ensembles/${ensembleId}/jobs/${jobId}`).expect(200);
      expect(res.body.status).toBe(status);
      return res.body as EnsembleJob;
    });
  }

  beforeAll(async () => {
    t = await startApp();
  });
  afterAll(() => t.close());

  it('trains every member on the provider, then reports completed from the member jobs', async () => {
    const a = await member();
    const b = await member();
    const ensemble = await ensembleOf([a, b]);

    const res = await train(ensemble.id, { provider: 'mock', config: { mock: { duration_seconds: 0 } } });
    const done = await untilStatus(ensemble.id, res.body.job_id, 'completed');

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ensemble_id: ensemble.id,
      ensemble_version: 1,
      provider: 'mock',
      total_models: 2,
      model_ids: [a.id, b.id],
    });
    expect(res.body.job_id).toBe(res.body.id);
    expect(['pending', 'running']).toContain(res.body.status);
    const members = await Promise.all(
      (res.body.training_job_ids as string[]).map(
        async (id) => (await t.http().get(`/api/v1/training/${id}`).expect(200)).body,
      ),
    );
    expect(members.map((j) => [j.service, j.model, j.provider])).toEqual([
      [ensemble.service, a.name, 'mock'],
      [ensemble.service, b.name, 'mock'],
    ]);
    expect(done).toMatchObject({
      completed_models: 2,
      failed_models: 0,
      training_job_ids: res.body.training_job_ids,
    });
    expect(done.completed_at).not.toBeNull();
    await eventually(async () => {
      const events = (await t.app.get(EventStore).readAfter(0, 10_000, ['ensemble'])).filter(
        (e) => e.subject === ensemble.id && String(e.type).startsWith('ensemble.training'),
      );
      expect(events.map((e) => [e.type, e.data.status])).toEqual(
        expect.arrayContaining([
          ['ensemble.training_dispatched', 'pending'],
          ['ensemble.training_status_changed', 'completed'],
        ]),
      );
    });
  });

  it('reflects a failing member: partial when the others complete, failed when all fail', async () => {
    const a = await member();
    const b = await member();
    const ensemble = await ensembleOf([a, b]);

    const oneFails = await train(ensemble.id, {
      provider: 'mock',
      config: { mock: { duration_seconds: 0 } },
      member_config: { [b.id]: { mock: { fail_at_seconds: 0 } } },
    });
    const allFail = await train(ensemble.id, { provider: 'mock', config: { mock: { fail_at_seconds: 0 } } });
    const partial = await untilStatus(ensemble.id, oneFails.body.job_id, 'partial');
    const failed = await untilStatus(ensemble.id, allFail.body.job_id, 'failed');

    expect(oneFails.status).toBe(200);
    expect(partial).toMatchObject({ completed_models: 1, failed_models: 1, total_models: 2 });
    const second = await t.http().get(`/api/v1/training/${partial.training_job_ids[1]}`).expect(200);
    expect(second.body.status).toBe('failed');
    expect(failed).toMatchObject({ completed_models: 0, failed_models: 2 });
  });

  it('starts no member when one is refused: the members already dispatched are cancelled', async () => {
    const a = await member();
    const b = await member();
    const ensemble = await ensembleOf([a, b]);

    const refused = await train(ensemble.id, {
      provider: 'mock',
      config: { mock: { duration_seconds: 3600 } },
      member_config: { [b.id]: { mock: { duration_seconds: -1 } } },
    });
    const unknownProvider = await train(ensemble.id, { provider: 'no-such-cloud' });
    const notMember = await train(ensemble.id, { provider: 'mock', member_config: { other_v1: {} } });

    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('INVALID_MOCK_CONFIG');
    const jobs = await t.http().get(`/api/v1/training/jobs?service=${ensemble.service}`).expect(200);
    expect(jobs.body.map((j: { model: string; status: string }) => [j.model, j.status])).toEqual([
      [a.name, 'cancelled'],
    ]);
    expect(unknownProvider.status).toBe(400);
    expect(notMember.status).toBe(400);
    expect(notMember.body.error.code).toBe('UNKNOWN_MEMBER');
  });

  it('answers 404 for an unknown ensemble and for a job of another ensemble', async () => {
    const a = await member();
    const first = await ensembleOf([a]);
    const second = await ensembleOf([a]);
    const job = await train(first.id, { provider: 'mock' }).expect(200);

    const unknownTrain = await train('no-such-ensemble', { provider: 'mock' });
    const unknownEnsemble = await t.http().get(`/api/v1/ensembles/no-such-ensemble/jobs/${job.body.job_id}`);
    const otherEnsemble = await t.http().get(`/api/v1/ensembles/${second.id}/jobs/${job.body.job_id}`);
    const unknownJob = await t.http().get(`/api/v1/ensembles/${first.id}/jobs/no-such-job`);

    expect(unknownTrain.status).toBe(404);
    expect(unknownEnsemble.status).toBe(404);
    expect(otherEnsemble.status).toBe(404);
    expect(otherEnsemble.body.error.code).toBe('ENSEMBLE_JOB_NOT_FOUND');
    expect(unknownJob.status).toBe(404);
  });

  it('a retried train with the same Idempotency-Key returns the same job and starts nothing new', async () => {
    const a = await member();
    const ensemble = await ensembleOf([a]);
    const body = { provider: 'mock', config: { mock: { duration_seconds: 3600 } } };

    const first = await train(ensemble.id, body).set('Idempotency-Key', 'train-once');
    const retry = await train(ensemble.id, body).set('Idempotency-Key', 'train-once');

    expect(retry.status).toBe(200);
    expect(retry.body.job_id).toBe(first.body.job_id);
    expect(retry.body.training_job_ids).toEqual(first.body.training_job_ids);
    const jobs = await t.http().get(`/api/v1/training/jobs?service=${ensemble.service}`).expect(200);
    expect(jobs.body).toHaveLength(1);
  });
});
