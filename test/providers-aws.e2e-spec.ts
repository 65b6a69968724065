import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { ProviderRegistry } from '@app/providers/provider-registry';
import type { LaunchSpec } from '@app/providers/training-provider.port';
import { startApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';
import { trainingClient } from './training-support';
import { startMoto, type MotoServer } from './fakes/moto/moto-server';
import { Ec2ChaosProxy } from './fakes/aws/ec2-chaos-proxy';
import { Ec2MachineRoom } from './fakes/aws/ec2-machine-room';

const BUCKET = 'artenic-models';
/** Trains for real on the "machine": env in, outputs, metrics and a checkpoint out. */
const TRAIN = [
  'bash',
  '-c',
  'echo "training lr=$ARTENIC_HP_LR attempt=$ARTENIC_ATTEMPT resume=$ARTENIC_RESUME_DIR"; ' +
    'if [ "$ARTENIC_ATTEMPT" = "1" ] && [ -n "$SLOW_FIRST" ]; then echo 3 > "$ARTENIC_CHECKPOINT_DIR/step.txt"; sleep 120; fi; ' +
    'mkdir -p "$ARTENIC_OUTPUT_DIR/weights"; echo "weights-$ARTENIC_JOB_ID" > "$ARTENIC_OUTPUT_DIR/weights/model.bin"; ' +
    'echo \'{"accuracy": 0.93}\' > "$ARTENIC_OUTPUT_DIR/metrics.json"',
];
const SLEEP = ['bash', '-c', 'echo started; sleep 120'];

describe('AWS provider over the platform API (EC2 and S3 on moto_server)', () => {
  let moto: MotoServer;
  let proxy: Ec2ChaosProxy;
  let room: Ec2MachineRoom;
  let t: TestApp;
  let c: ReturnType<typeof trainingClient>;

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await new Ec2ChaosProxy(moto.url).start();
    room = new Ec2MachineRoom(moto.url).start();
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.url,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    s3.destroy();
    t = await startApp({
      env: {
        ARTENIC_TRAINING__POLL_INTERVAL_MS: '3600000',
        ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '0',
        ARTENIC_SPOT__MAX_PREEMPTION_RETRIES: '2',
        ARTENIC_AWS__ENABLED: 'true',
        ARTENIC_AWS__ACCESS_KEY_ID: 'testing',
        ARTENIC_AWS__SECRET_ACCESS_KEY: 'testing',
        ARTENIC_AWS__REGION: 'us-east-1',
        ARTENIC_AWS__ENDPOINT_URL: proxy.url,
        ARTENIC_AWS__S3_ENDPOINT_URL: moto.url,
        ARTENIC_AWS__AMI_ID: 'ami-03cf127a',
        ARTENIC_AWS__MODELS_BUCKET: BUCKET,
        ARTENIC_AWS__ON_DEMAND_PRICES: '{"m5.large":0.096,"g4dn.xlarge":0.526}',
        ARTENIC_AWS__REQUEST_TIMEOUT_MS: '3000',
        ARTENIC_AWS__MAX_ATTEMPTS: '2',
      },
    });
    c = trainingClient(t);
  });

  afterAll(async () => {
    await proxy.stop();
    await t.close();
    room.stop();
    await moto.stop();
  });

  afterEach(() => proxy.clearFailures());

  async function instancesOf(jobId: string): Promise<Instance[]> {
    const out = await room.ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: 'tag:artenic:job_id', Values: [jobId] }] }),
    );
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  }
  const liveOf = async (jobId: string) =>
    (await instancesOf(jobId)).filter((i) => i.State?.Name !== 'terminated').map((i) => i.InstanceId);

  it('lists AWS with its capabilities and never its credentials', async () => {
    const res = await t.http().get('/api/v1/providers');

    expect(res.status).toBe(200);
    const aws = (res.body as Array<Record<string, unknown>>).find((p) => p.name === 'aws');
    expect(aws).toMatchObject({ name: 'aws' });
    expect(JSON.stringify(res.body)).not.toContain('testing');
  });

  it('on-demand: dispatch → running → completed with artifacts and logs → the instance is terminated', async () => {
    const res = await c.dispatch({
      provider: 'aws',
      instance_type: 'm5.large',
      config: { command: TRAIN, hyperparameters: { lr: 0.01 } },
    });
    expect(res.status).toBe(200);
    const id = res.body.job_id as string;

    const done = await c.until(id, 'completed', 40_000).catch(async (e) => {
      console.log(
        'DEBUG',
        room.machines.size,
        JSON.stringify(await c.job(id)),
        (await t.http().get(`/api/v1/training/${id}/logs`)).text,
      );
      throw e;
    });
    const logs = await t.http().get(`/api/v1/training/${id}/logs`);

    expect(done.metrics).toEqual({ accuracy: 0.93 });
    expect(done.artifacts_uri).toBeTruthy();
    expect(logs.text).toContain('training lr=0.01 attempt=1');
    const [instance] = await instancesOf(id);
    expect(instance?.InstanceType).toBe('m5.large');
    expect(instance?.InstanceLifecycle).toBeUndefined();
    expect(instance?.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'artenic:job_id', Value: id },
        { Key: 'artenic:attempt', Value: '1' },
        { Key: 'artenic:token', Value: `${id}-1` },
      ]),
    );
    await eventually(async () => expect(await liveOf(id)).toEqual([]));
  }, 60_000);

  it('spot: an interruption (EC2 state reason) is recovered on a new instance under the same job id', async () => {
    const res = await c.dispatch({
      provider: 'aws',
      instance_type: 'm5.large',
      is_spot: true,
      config: { command: TRAIN, env: { SLOW_FIRST: '1' }, hyperparameters: { lr: 0.02 } },
    });
    const id = res.body.job_id as string;
    const running = await c.until(id, 'running', 20_000);
    const [first] = await instancesOf(id);
    expect(first?.InstanceLifecycle).toBe('spot');
    await eventually(async () => expect(running.attempts[0]).toBeTruthy());

    await proxy.interrupt(first!.InstanceId!);
    const done = await c.until(id, 'completed', 50_000);

    expect(done.id).toBe(id);
    expect(done.attempts.map((a) => [a.status, a.spot])).toEqual([
      ['preempted', true],
      ['succeeded', true],
    ]);
    expect(done.attempts[1]?.resume_from).toBe(`s3://${BUCKET}/training/${id}/checkpoints`);
    const instances = await instancesOf(id);
    expect(instances).toHaveLength(2);
    expect(new Set(instances.map((i) => i.InstanceId)).size).toBe(2);
    const logs = await t.http().get(`/api/v1/training/${id}/logs`);
    expect(logs.text).toContain(`attempt=2 resume=`);
    await eventually(async () => expect(await liveOf(id)).toEqual([]));
  }, 90_000);

  it('cancel terminates the instance: zero live resources', async () => {
    const res = await c.dispatch({ provider: 'aws', instance_type: 'm5.large', config: { command: SLEEP } });
    const id = res.body.job_id as string;
    await c.until(id, 'running', 20_000);

    const cancelled = await t.http().post(`/api/v1/training/${id}/cancel`);
    await c.until(id, 'cancelled', 10_000);

    expect(cancelled.status).toBe(200);
    await eventually(
      async () => {
        await c.tick();
        expect(await liveOf(id)).toEqual([]);
      },
      { timeoutMs: 10_000 },
    );
  }, 40_000);

  it('a launch that crashed before the database write is adopted, not duplicated; reconcile removes orphans', async () => {
    const aws = t.app.get(ProviderRegistry).get('aws');
    const res = await c.dispatch({ provider: 'aws', instance_type: 'm5.large', config: { command: SLEEP } });
    const id = res.body.job_id as string;
    // The previous process launched this attempt and died before recording it.
    const orphanOfCrash = await aws.provision(specFor(id));
    const stray = await aws.provision(specFor('00000000-0000-4000-8000-00000000dead'));

    await c.until(id, 'running', 20_000);
    const reconciled = await aws.reconcile!([{ job_id: id, attempt: 1 }]);

    expect(await liveOf(id)).toEqual([orphanOfCrash.provider_job_id]);
    expect((await c.job(id)).provider_job_id).toBe(orphanOfCrash.provider_job_id);
    expect(reconciled.removed).toEqual([stray.provider_job_id]);
    expect(reconciled.adopted.map((a) => a.provider_job_id)).toEqual([orphanOfCrash.provider_job_id]);
    await t.http().post(`/api/v1/training/${id}/cancel`);
    await eventually(async () => {
      await c.tick();
      expect(await liveOf(id)).toEqual([]);
    });
  }, 40_000);

  it('throttling, 5xx and timeouts keep the job queued and the API responsive; it launches once EC2 recovers', async () => {
    proxy.failNext(6, { status: 503, code: 'RequestLimitExceeded', headers: { 'retry-after': '1' } });
    proxy.failNext(4, { status: 500, code: 'InternalError', hang: true });
    const res = await c.dispatch({ provider: 'aws', instance_type: 'm5.large', config: { command: TRAIN } });
    const id = res.body.job_id as string;

    await c.tick();
    await c.tick();
    const during = await t.http().get(`/api/v1/training/${id}`);
    proxy.clearFailures();
    const done = await c.until(id, 'completed', 40_000);

    expect(during.status).toBe(200);
    expect(during.body.status).toBe('pending');
    expect(done.metrics).toEqual({ accuracy: 0.93 });
    expect(await instancesOf(id)).toHaveLength(1);
  }, 60_000);

  it('a refused launch (EC2 client error) fails the job with the cloud reason', async () => {
    proxy.failNext(4, { status: 400, code: 'InvalidParameterValue' });
    const res = await c.dispatch({ provider: 'aws', instance_type: 'm5.large', config: { command: TRAIN } });
    const id = res.body.job_id as string;

    const failed = await c.until(id, 'failed', 10_000);

    expect(failed.error).toMatch(/^Provisioning failed: aws \w+ failed: injected InvalidParameterValue/);
    expect(await instancesOf(id)).toHaveLength(0);
  }, 20_000);

  it('prices: configured on-demand table with EC2 spot price history, cached with fetch time', async () => {
    const aws = t.app.get(ProviderRegistry).get('aws');

    const prices = await aws.prices();

    const m5 = prices.find((p) => p.instance_type === 'm5.large');
    expect(m5).toMatchObject({ currency: 'USD', on_demand_per_hour_micros: 96000, vcpus: 2, stale: false });
    expect(m5?.spot_per_hour_micros).toEqual(expect.any(Number));
    expect(prices.find((p) => p.instance_type === 'g4dn.xlarge')).toMatchObject({
      gpu_type: 'T4',
      gpu_count: 1,
    });
    expect(m5?.fetched_at).toBeInstanceOf(Date);
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
    instance_type: 'm5.large',
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
