import { startApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';
import { FakeMlflow } from './fakes/mlflow/fake-mlflow.server';

describe('registry → MLflow sync', () => {
  let t: TestApp;
  let mlflow: FakeMlflow;

  beforeAll(async () => {
    mlflow = new FakeMlflow();
    await mlflow.start();
    t = await startApp({
      env: {
        ARTENIC_MLFLOW_TRACKING_URI: mlflow.url,
        ARTENIC_MLFLOW__MAX_BACKOFF_MS: '200',
        ARTENIC_MLFLOW__TIMEOUT_MS: '2000',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await mlflow.stop();
  });

  const model = (id: string) => t.http().get(`/api/v1/models/${id}`);
  const transitions = () =>
    mlflow.calls
      .filter((c) => c.path.endsWith('/transition-stage'))
      .map((c) => `${String(c.body.version)}:${String(c.body.stage)}`);

  it('mirrors registrations and aliases, and shows the sync state on the version', async () => {
    await t
      .http()
      .post('/api/v1/models')
      .send({ name: 'mirror', version: 'a', model_type: 'classifier' })
      .expect(201);
    await t.http().put('/api/v1/models/mirror/aliases/champion').send({ version: 'a' }).expect(200);

    await eventually(async () => expect((await model('mirror_va')).body.mlflow_sync).toBe('synced'));

    const body = (await model('mirror_va')).body;
    expect(body.mlflow_model_uri).toBe('models:/mirror/1');
    expect(mlflow.calls.map((c) => c.path.replace('/api/2.0/mlflow/', ''))).toEqual([
      'registered-models/create',
      'model-versions/create',
      'registered-models/alias',
    ]);
    const health = await t.http().get('/health/detailed');
    expect(health.body.components.mlflow).toMatchObject({ status: 'up', consecutive_failures: 0 });
  });

  it('delivers promotions made while MLflow was down, in order, exactly once each', async () => {
    for (const v of ['1', '2', '3']) {
      await t
        .http()
        .post('/api/v1/models')
        .send({ name: 'outage', version: v, model_type: 'classifier' })
        .expect(201);
    }
    await eventually(async () => expect((await model('outage_v3')).body.mlflow_sync).toBe('synced'));
    mlflow.down = true;

    for (const v of ['1', '2', '3']) {
      await t.http().post(`/api/v1/models/outage_v${v}/promote`).send({ version: v }).expect(204);
    }
    await eventually(async () => expect((await model('outage_v1')).body.mlflow_sync).toBe('failed'));
    const degraded = await t.http().get('/health/detailed');
    const stagesWhileDown = (await model('outage_v3')).body.stage;
    mlflow.down = false;

    expect(stagesWhileDown).toBe('production');
    expect(degraded.body.components.mlflow).toMatchObject({
      status: 'degraded',
      last_error: expect.stringContaining('503'),
    });
    await eventually(
      async () => {
        for (const v of ['1', '2', '3'])
          expect((await model(`outage_v${v}`)).body.mlflow_sync).toBe('synced');
      },
      { timeoutMs: 8000 },
    );
    expect(transitions()).toEqual([
      '1:Production',
      '1:Archived',
      '2:Production',
      '2:Archived',
      '3:Production',
    ]);
    expect(mlflow.stageOf('outage', '3')).toBe('Production');
    expect((await t.http().get('/health/detailed')).body.components.mlflow.status).toBe('up');
  });
});
