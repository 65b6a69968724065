import { ProviderRegistry } from '@app/providers/provider-registry';
import type { GcpProvider } from '@app/providers/gcp/gcp.provider';
import type { LaunchSpec } from '@app/providers/training-provider.port';
import { startApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';
import { trainingClient } from './training-support';
import { FakeGce } from './fakes/gce/fake-gce';
import { GceMachineRoom } from './fakes/gce/gce-machine-room';
import { FakeGcs } from './fakes/gcs/fake-gcs';

const TOKEN = 'gcp-test-token';
const BUCKET = 'artenic-models';
/** Trains for real on the "VM": env in, outputs, metrics and a checkpoint out. */
const TRAIN = [
  'bash',
  '-c',
  'echo "training lr=$ARTENIC_HP_LR attempt=$ARTENIC_ATTEMPT resume=$ARTENIC_RESUME_DIR"; ' +
    'if [ "$ARTENIC_ATTEMPT" = "1" ] && [ -n "$SLOW_FIRST" ]; then echo 3 > "$ARTENIC_CHECKPOINT_DIR/step.txt"; sleep 120; fi; ' +
    'mkdir -p "$ARTENIC_OUTPUT_DIR/weights"; echo "weights-$ARTENIC_JOB_ID" > "$ARTENIC_OUTPUT_DIR/weights/model.bin"; ' +
    'echo "extra" > "$ARTENIC_OUTPUT_DIR/a.txt"; echo "extra" > "$ARTENIC_OUTPUT_DIR/b.txt"; ' +
    'echo \'{"accuracy": 0.91}\' > "$ARTENIC_OUTPUT_DIR/metrics.json"',
];
const SLEEP = ['bash', '-c', 'echo started; sleep 120'];

describe('GCP provider over the platform API (fake Compute Engine, GCS and Billing Catalog)', () => {
  let gce: FakeGce;
  let gcs: FakeGcs;
  let room: GceMachineRoom;
  let t: TestApp;
  let c: ReturnType<typeof trainingClient>;

  beforeAll(async () => {
    gce = await new FakeGce(TOKEN, 'demo-proj').start();
    gcs = await new FakeGcs(TOKEN).start();
    room = new GceMachineRoom(gce, gcs.url, TOKEN);
    t = await startApp({
      env: {
        ARTENIC_TRAINING__POLL_INTERVAL_MS: '3600000',
        ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '0',
        ARTENIC_SPOT__MAX_PREEMPTION_RETRIES: '2',
        ARTENIC_GCP__ENABLED: 'true',
        ARTENIC_GCP__PROJECT_ID: 'demo-proj',
        ARTENIC_GCP__ACCESS_TOKEN: TOKEN,
        ARTENIC_GCP__REGION: 'us-central1',
        ARTENIC_GCP__ZONE: 'us-central1-a',
        ARTENIC_GCP__MODELS_BUCKET: BUCKET,
        ARTENIC_GCP__DEFAULT_MACHINE_TYPE: 'e2-standard-4',
        ARTENIC_GCP__MACHINE_TYPES: '["e2-standard-4","g2-standard-8"]',
        ARTENIC_GCP__COMPUTE_ENDPOINT: gce.url,
        ARTENIC_GCP__STORAGE_ENDPOINT: gcs.url,
        ARTENIC_GCP__BILLING_ENDPOINT: gce.url,
        ARTENIC_GCP__REQUEST_TIMEOUT_MS: '1500',
        ARTENIC_GCP__MAX_ATTEMPTS: '2',
      },
    });
    c = trainingClient(t);
  });

  afterAll(async () => {
    await t.close();
    room.stop();
    await gce.stop();
    await gcs.stop();
  });

  afterEach(() => gce.clearFailures());

  const gcp = () => t.app.get(ProviderRegistry).get('gcp') as GcpProvider;
  const liveOf = (jobId: string) =>
    gce
      .live()
      .filter((i) => i.labels['artenic-job-id'] === jobId)
      .map((i) => i.name);
  const insertsOf = (jobId: string) =>
    gce.inserts.filter((b) => (b.labels as Record<string, string>)['artenic-job-id'] === jobId);

  it('lists GCP with its capabilities and never its token', async () => {
    const res = await t.http().get('/api/v1/providers');

    expect(res.status).toBe(200);
    const entry = (res.body as Array<Record<string, unknown>>).find((p) => p.name === 'gcp');
    expect(entry).toMatchObject({ name: 'gcp' });
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });

  it('on-demand: dispatch → running → completed with artifacts and logs → the instance is deleted', async () => {
    const res = await c.dispatch({
      provider: 'gcp',
      instance_type: 'e2-standard-4',
      config: { command: TRAIN, hyperparameters: { lr: 0.01 } },
    });
    expect(res.status).toBe(200);
    const id = res.body.job_id as string;

    const done = await c.until(id, 'completed', 40_000);
    const logs = await t.http().get(`/api/v1/training/${id}/logs`);

    expect(done.metrics).toEqual({ accuracy: 0.91 });
    expect(done.artifacts_uri).toBeTruthy();
    expect(logs.text).toContain('training lr=0.01 attempt=1');
    expect(gcs.text(`${BUCKET}/training/${id}/attempt-1/output/weights/model.bin`)).toBe(`weights-${id}\n`);
    const [insert] = insertsOf(id);
    expect(insert).toMatchObject({
      name: `artenic-${id}-1`,
      machineType: 'zones/us-central1-a/machineTypes/e2-standard-4',
      labels: { 'artenic-job-id': id, 'artenic-attempt': '1', 'artenic-token': `${id}-1` },
      scheduling: { provisioningModel: 'STANDARD', onHostMaintenance: 'MIGRATE' },
    });
    expect(insert?.disks).toEqual([expect.objectContaining({ boot: true, autoDelete: true })]);
    expect(gce.rejected).toEqual([]);
    expect(gcs.unauthorised).toEqual([]);
    await eventually(() => expect(liveOf(id)).toEqual([]));
  }, 60_000);

  it('spot: a GCE preemption is recovered on a new instance under the same job id', async () => {
    const res = await c.dispatch({
      provider: 'gcp',
      instance_type: 'e2-standard-4',
      is_spot: true,
      config: { command: TRAIN, env: { SLOW_FIRST: '1' }, hyperparameters: { lr: 0.02 } },
    });
    const id = res.body.job_id as string;
    await c.until(id, 'running', 20_000);
    expect(insertsOf(id)[0]?.scheduling).toMatchObject({
      provisioningModel: 'SPOT',
      instanceTerminationAction: 'DELETE',
    });

    gce.preempt(`artenic-${id}-1`);
    const done = await c.until(id, 'completed', 50_000);

    expect(done.id).toBe(id);
    expect(done.attempts.map((a) => [a.status, a.spot])).toEqual([
      ['preempted', true],
      ['succeeded', true],
    ]);
    expect(done.attempts[1]?.resume_from).toBe(`gs://${BUCKET}/training/${id}/checkpoints`);
    expect(insertsOf(id).map((b) => b.name)).toEqual([`artenic-${id}-1`, `artenic-${id}-2`]);
    const logs = await t.http().get(`/api/v1/training/${id}/logs`);
    expect(logs.text).toContain('attempt=2 resume=');
    await eventually(() => expect(liveOf(id)).toEqual([]));
  }, 90_000);

  it('cancel deletes the instance: zero live resources', async () => {
    const res = await c.dispatch({ provider: 'gcp', config: { command: SLEEP } });
    const id = res.body.job_id as string;
    await c.until(id, 'running', 20_000);

    const cancelled = await t.http().post(`/api/v1/training/${id}/cancel`);
    await c.until(id, 'cancelled', 10_000);

    expect(cancelled.status).toBe(200);
    await eventually(
      async () => {
        await c.tick();
        expect(liveOf(id)).toEqual([]);
      },
      { timeoutMs: 10_000 },
    );
  }, 40_000);

  it('a launch that crashed before the database write is adopted, not duplicated; reconcile removes orphans', async () => {
    const res = await c.dispatch({ provider: 'gcp', config: { command: SLEEP } });
    const id = res.body.job_id as string;
    // The previous process launched this attempt and died before recording it.
    const orphanOfCrash = await gcp().provision(specFor(id));
    const stray = await gcp().provision(specFor('00000000-0000-4000-8000-00000000dead'));

    await c.until(id, 'running', 20_000);
    const reconciled = await gcp().reconcile([{ job_id: id, attempt: 1 }]);

    expect(liveOf(id)).toEqual([orphanOfCrash.provider_job_id]);
    expect(insertsOf(id)).toHaveLength(1);
    expect((await c.job(id)).provider_job_id).toBe(orphanOfCrash.provider_job_id);
    expect(reconciled.removed).toEqual([stray.provider_job_id]);
    expect(reconciled.adopted.map((a) => a.provider_job_id)).toEqual([orphanOfCrash.provider_job_id]);
    await t.http().post(`/api/v1/training/${id}/cancel`);
    await eventually(async () => {
      await c.tick();
      expect(liveOf(id)).toEqual([]);
    });
  }, 40_000);

  it('429 with Retry-After, 5xx and timeouts keep the job queued and the API responsive; it launches once GCE recovers', async () => {
    gce.failNext(
      3,
      { status: 429, reason: 'rateLimitExceeded', headers: { 'retry-after': '1' } },
      /^POST .*\/instances$/,
    );
    gce.failNext(2, { status: 503, reason: 'backendError' }, /^POST .*\/instances$/);
    gce.failNext(2, { status: 500, reason: 'backendError', hang: true }, /^POST .*\/instances$/);
    const res = await c.dispatch({ provider: 'gcp', config: { command: TRAIN } });
    const id = res.body.job_id as string;

    const started = Date.now();
    await c.tick();
    await c.tick();
    const during = await t.http().get(`/api/v1/training/${id}`);
    const tickMs = Date.now() - started;
    gce.clearFailures();
    const done = await c.until(id, 'completed', 40_000);

    expect(during.status).toBe(200);
    expect(during.body.status).toBe('pending');
    expect(tickMs).toBeLessThan(10_000);
    expect(done.metrics).toEqual({ accuracy: 0.91 });
    expect(insertsOf(id)).toHaveLength(1);
  }, 60_000);

  it('a refused launch (GCE 400) fails the job with the cloud reason', async () => {
    gce.failNext(1, { status: 400, reason: 'invalid' }, /^POST .*\/instances$/);
    const res = await c.dispatch({ provider: 'gcp', config: { command: TRAIN } });
    const id = res.body.job_id as string;

    const failed = await c.until(id, 'failed', 10_000);

    expect(failed.error).toMatch(/gcp instances\.insert failed: .*injected invalid/);
    expect(liveOf(id)).toEqual([]);
  }, 20_000);

  it('GPU: a named accelerator is attached with onHostMaintenance TERMINATE', async () => {
    const spec = { ...specFor('00000000-0000-4000-8000-0000000000a1'), instance_type: 'n1-standard-4' };

    const handle = await gcp().provision({ ...spec, gpu: { type: 'T4', count: 2 } });
    await gcp().teardown(handle);

    expect(insertsOf(spec.job_id)[0]).toMatchObject({
      guestAccelerators: [
        { acceleratorType: 'zones/us-central1-a/acceleratorTypes/nvidia-tesla-t4', acceleratorCount: 2 },
      ],
      scheduling: { onHostMaintenance: 'TERMINATE', automaticRestart: false },
    });
    expect(liveOf(spec.job_id)).toEqual([]);
  });

  it('prices: Billing Catalog SKUs (all pages) × machine shapes, USD, with fetch time', async () => {
    const prices = await gcp().prices();

    const e2 = prices.find((p) => p.instance_type === 'e2-standard-4');
    // 4 vCPU × 0.02181159 + 16 GiB × 0.00292353 = 0.13402284
    expect(e2).toMatchObject({
      currency: 'USD',
      on_demand_per_hour_micros: 134023,
      spot_per_hour_micros: 40204,
      vcpus: 4,
      memory_gb: 16,
      stale: false,
    });
    expect(e2?.fetched_at).toBeInstanceOf(Date);
    expect(prices.find((p) => p.instance_type === 'g2-standard-8')).toMatchObject({
      gpu_type: 'L4',
      gpu_count: 1,
      // 8 × 0.024988 + 32 GiB × 0.002927 + 1 L4 × 0.56004
      on_demand_per_hour_micros: 853_608,
      spot_per_hour_micros: null,
    });
  });
});

function specFor(jobId: string): LaunchSpec {
  return {
    job_id: jobId,
    attempt: 1,
    service: 'svc',
    model: 'm',
    command: SLEEP,
    env: {},
    instance_type: 'e2-standard-4',
    region: null,
    spot: false,
    gpu: { type: null, count: 0 },
    max_runtime_seconds: 600,
    idempotency_token: `${jobId}-1`,
    code_uri: null,
    checkpoint_uri: null,
    resume_from: null,
    output_uri: null,
    options: {},
  };
}
