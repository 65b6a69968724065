import { ProviderRegistry } from '@app/providers/provider-registry';
import { jobName } from '@app/providers/kubernetes/kubernetes-job-manifest';
import type { LaunchSpec } from '@app/providers/training-provider.port';
import { startApp, type TestApp } from '../../support/test-app';
import { eventually } from '../../support/eventually';
import { trainingClient } from '../../training-support';
import { RUN_BUCKET, startStorage, type Storage } from '../rest-cloud/provider-conformance';
import { FakeKubernetes } from './fake-kubernetes';

const TOKEN = 'kube-token';
/** Trains for real in the "pod": env in, outputs, metrics and a checkpoint out. */
const TRAIN = [
  'bash',
  '-c',
  'echo "training lr=$ARTENIC_HP_LR attempt=$ARTENIC_ATTEMPT resume=$ARTENIC_RESUME_DIR"; ' +
    'if [ "$ARTENIC_ATTEMPT" = "1" ] && [ -n "$SLOW_FIRST" ]; then echo 3 > "$ARTENIC_CHECKPOINT_DIR/step.txt"; sleep 120; fi; ' +
    'mkdir -p "$ARTENIC_OUTPUT_DIR/weights"; echo "weights-$ARTENIC_JOB_ID" > "$ARTENIC_OUTPUT_DIR/weights/model.bin"; ' +
    'echo \'{"accuracy": 0.93}\' > "$ARTENIC_OUTPUT_DIR/metrics.json"',
];
const SLEEP = ['bash', '-c', 'echo started; sleep 120'];

/**
 * The platform's HTTP API driving one Kubernetes-flavoured provider (`kubernetes` or `coreweave`) against the
 * fake API server, with the pod's object storage on moto: the "Must show" list end to end.
 */
export function describeKubernetesOverHttp(name: 'kubernetes' | 'coreweave', gpuLabel: string): void {
  describe(`${name} over the platform API (fake API server, S3 on moto)`, () => {
    let storage: Storage;
    let kube: FakeKubernetes;
    let t: TestApp;
    let c: ReturnType<typeof trainingClient>;
    const P = name.toUpperCase();

    beforeAll(async () => {
      storage = await startStorage();
      kube = await new FakeKubernetes(TOKEN).start();
      kube.secrets.set('artenic-s3', { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
      t = await startApp({
        env: {
          ARTENIC_TRAINING__POLL_INTERVAL_MS: '3600000',
          ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '0',
          ARTENIC_SPOT__MAX_PREEMPTION_RETRIES: '2',
          [`ARTENIC_${P}__ENABLED`]: 'true',
          [`ARTENIC_${P}__API_SERVER`]: kube.url,
          [`ARTENIC_${P}__TOKEN`]: TOKEN,
          [`ARTENIC_${P}__NAMESPACE`]: 'train',
          [`ARTENIC_${P}__PRICES`]: '{"A40":1.28}',
          [`ARTENIC_${P}__SPOT_NODE_SELECTOR`]: '{"artenic.ai/capacity":"spot"}',
          [`ARTENIC_${P}__REQUEST_TIMEOUT_MS`]: '1500',
          [`ARTENIC_${P}__MAX_ATTEMPTS`]: '2',
          [`ARTENIC_${P}__CREDENTIALS_SECRET`]: 'artenic-s3',
          ...storage.env(P),
        },
      });
      c = trainingClient(t);
    });

    afterAll(async () => {
      await t.close();
      await kube.stop();
      storage.s3.destroy();
      await storage.moto.stop();
    });

    afterEach(() => kube.clearFailures());

    const jobsOf = (id: string) =>
      kube.requests.filter(
        (r) => r.method === 'POST' && r.body?.metadata?.labels?.['artenic.ai/job-id'] === id,
      );
    const liveOf = (id: string) => ({
      jobs: kube.inventory().jobs.filter((j) => j.includes(id)),
      pods: kube.inventory().pods.filter((p) => p.includes(id)),
    });

    it('is listed with its capabilities and never its token', async () => {
      const res = await t.http().get('/api/v1/providers');

      const me = (res.body as Array<Record<string, unknown>>).find((p) => p.name === name);
      expect(me).toMatchObject({ name });
      expect(JSON.stringify(me)).toContain('"spot":true');
      expect(JSON.stringify(res.body)).not.toContain(TOKEN);
    });

    it('on-demand: dispatch → running → completed with artifacts and logs → no Job or pod left', async () => {
      const res = await c.dispatch({
        provider: name,
        instance_type: 'A40',
        config: { command: TRAIN, hyperparameters: { lr: 0.05 } },
      });
      expect(res.status).toBe(200);
      const id = res.body.job_id as string;

      await c.until(id, 'running', 15_000);
      const done = await c.until(id, 'completed', 30_000);
      const logs = await t.http().get(`/api/v1/training/${id}/logs`);

      expect(done.metrics).toEqual({ accuracy: 0.93 });
      expect(done.artifacts_uri).toBeTruthy();
      expect(logs.text).toContain('training lr=0.05 attempt=1');
      const [created] = jobsOf(id);
      expect(created?.body?.metadata.labels).toMatchObject({
        'artenic.ai/provider': name,
        'artenic.ai/attempt': '1',
        'artenic.ai/token': `${id}-1`,
      });
      const pod = created?.body?.spec.template.spec;
      expect(pod.nodeSelector).toEqual({ [gpuLabel]: 'A40' });
      expect(pod.containers[0].envFrom).toEqual([{ secretRef: { name: 'artenic-s3' } }]);
      expect(JSON.stringify(pod)).not.toContain('testing');
      expect(liveOf(id)).toEqual({ jobs: [], pods: [] });
    }, 45_000);

    it('spot: a disrupted pod is recovered by a new Job under the same job id (attempt 2)', async () => {
      const res = await c.dispatch({
        provider: name,
        instance_type: 'A40',
        is_spot: true,
        config: { command: TRAIN, env: { SLOW_FIRST: '1' }, hyperparameters: { lr: 0.02 } },
      });
      const id = res.body.job_id as string;
      await c.until(id, 'running', 15_000);
      await eventually(async () =>
        expect(await storage.keys()).toContain(`training/${id}/attempt-1/status.json`),
      );

      kube.disrupt(jobName({ job_id: id, attempt: 1 }));
      const done = await c.until(id, 'completed', 45_000);

      expect(done.id).toBe(id);
      expect(done.attempts.map((a) => [a.status, a.spot])).toEqual([
        ['preempted', true],
        ['succeeded', true],
      ]);
      expect(done.attempts[1]?.resume_from).toBe(`s3://${RUN_BUCKET}/training/${id}/checkpoints`);
      expect(jobsOf(id).map((r) => r.body?.spec.template.spec.nodeSelector['artenic.ai/capacity'])).toEqual([
        'spot',
        'spot',
      ]);
      const logs = await t.http().get(`/api/v1/training/${id}/logs`);
      expect(logs.text).toContain('attempt=2 resume=');
      expect(liveOf(id)).toEqual({ jobs: [], pods: [] });
    }, 70_000);

    it('cancel deletes the Job and its pods', async () => {
      const res = await c.dispatch({ provider: name, config: { command: SLEEP } });
      const id = res.body.job_id as string;
      await c.until(id, 'running', 15_000);

      const cancelled = await t.http().post(`/api/v1/training/${id}/cancel`);
      await c.until(id, 'cancelled', 10_000);

      expect(cancelled.status).toBe(200);
      await eventually(async () => {
        await c.tick();
        expect(liveOf(id)).toEqual({ jobs: [], pods: [] });
      });
    }, 30_000);

    it('a launch that crashed before the database write is adopted, not duplicated; reconcile removes orphans', async () => {
      const provider = t.app.get(ProviderRegistry).get(name);
      const res = await c.dispatch({ provider: name, config: { command: SLEEP } });
      const id = res.body.job_id as string;
      // The previous process created this attempt's Job and died before recording it.
      const orphanOfCrash = await provider.provision(specFor(id));
      const stray = await provider.provision(specFor('00000000-0000-4000-8000-00000000beef'));

      await c.until(id, 'running', 15_000);
      const reconciled = await provider.reconcile!([{ job_id: id, attempt: 1 }]);

      expect(liveOf(id).jobs).toEqual([orphanOfCrash.provider_job_id]);
      expect((await c.job(id)).provider_job_id).toBe(orphanOfCrash.provider_job_id);
      expect(reconciled.removed).toEqual([stray.provider_job_id]);
      expect(reconciled.adopted.map((a) => a.provider_job_id)).toEqual([orphanOfCrash.provider_job_id]);
      await t.http().post(`/api/v1/training/${id}/cancel`);
      await eventually(async () => {
        await c.tick();
        expect(liveOf(id)).toEqual({ jobs: [], pods: [] });
      });
    }, 40_000);

    it('429 with Retry-After and a hanging API keep the job queued and the API responsive; it launches later', async () => {
      kube.failNext(2, { status: 0, hang: true });
      kube.failNext(50, { status: 429, reason: 'TooManyRequests', headers: { 'retry-after': '1' } });
      const res = await c.dispatch({ provider: name, config: { command: TRAIN } });
      const id = res.body.job_id as string;

      await c.tick();
      await c.tick();
      const during = await t.http().get(`/api/v1/training/${id}`);
      kube.clearFailures();
      const done = await c.until(id, 'completed', 40_000);

      expect(during.status).toBe(200);
      expect(during.body.status).toBe('pending');
      expect(done.metrics).toEqual({ accuracy: 0.93 });
      expect(jobsOf(id)).toHaveLength(1);
      expect(liveOf(id)).toEqual({ jobs: [], pods: [] });
    }, 60_000);

    it('a refused Job (403) fails the job with the cluster reason', async () => {
      kube.failNext(1, { status: 403, reason: 'Forbidden', method: 'POST' });
      const res = await c.dispatch({ provider: name, config: { command: TRAIN } });
      const id = res.body.job_id as string;

      const failed = await c.until(id, 'failed', 10_000);

      expect(failed.error).toMatch(
        new RegExp(`^Provisioning failed: ${name} Job creation failed: HTTP-Code: 403`),
      );
      expect(liveOf(id)).toEqual({ jobs: [], pods: [] });
    }, 20_000);
  });
}

function specFor(jobId: string): LaunchSpec {
  return {
    job_id: jobId,
    attempt: 1,
    service: 'svc',
    model: 'm',
    command: SLEEP,
    env: {},
    instance_type: null,
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
