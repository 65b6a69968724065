import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/config/config.loader';
import { DomainError } from '@app/common/errors/domain-error';
import { ProviderCapacityError } from '@app/providers/provider-errors';
import { createKubeApi } from '@app/providers/kubernetes/kube-api';
import { jobName } from '@app/providers/kubernetes/kubernetes-job-manifest';
import { KubernetesProvider } from '@app/providers/kubernetes/kubernetes.provider';
import { kubernetesRunStorage } from '@app/providers/kubernetes/kubernetes-storage';
import type { ProviderJobHandle, ProviderJobStatus } from '@app/providers/training-provider.port';
import { eventually } from './support/eventually';
import { FakeKubernetes } from './fakes/kubernetes/fake-kubernetes';
import {
  launchSpec,
  RUN_BUCKET,
  SLEEP,
  startStorage,
  type Storage,
} from './fakes/rest-cloud/provider-conformance';

const TOKEN = 'kube-token';

describe('Kubernetes adapter at the wire (fake API server, S3 on moto)', () => {
  let storage: Storage;
  let kube: FakeKubernetes;
  let dest: string;

  beforeAll(async () => {
    storage = await startStorage();
  });
  afterAll(async () => {
    storage.s3.destroy();
    await storage.moto.stop();
  });
  beforeEach(async () => {
    kube = await new FakeKubernetes(TOKEN).start();
    dest = mkdtempSync(join(tmpdir(), 'artenic-k8s-collect-'));
  });
  afterEach(async () => {
    await kube.stop();
    rmSync(dest, { recursive: true, force: true });
  });

  async function provider(name = 'kubernetes', env: Record<string, string> = {}) {
    const P = name.toUpperCase();
    const config = loadConfig({
      [`ARTENIC_${P}__ENABLED`]: 'true',
      [`ARTENIC_${P}__API_SERVER`]: kube.url,
      [`ARTENIC_${P}__TOKEN`]: TOKEN,
      [`ARTENIC_${P}__NAMESPACE`]: 'train',
      [`ARTENIC_${P}__REQUEST_TIMEOUT_MS`]: '1500',
      [`ARTENIC_${P}__MAX_ATTEMPTS`]: '2',
      ...storage.env(P),
      ...env,
    });
    const section = name === 'coreweave' ? config.coreweave : config.kubernetes;
    return new KubernetesProvider(name, section, await createKubeApi(section), kubernetesRunStorage(section));
  }

  const until = (p: KubernetesProvider, handle: ProviderJobHandle, state: string) =>
    eventually(
      async () => {
        const s = await p.status(handle);
        if (s.state !== state) throw new Error(`still ${s.state} ${s.message ?? ''}`);
        return s;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );

  it('runs the command in a Job, completes with metrics, logs and artifacts, then leaves no Job or pod', async () => {
    const k8s = await provider();
    const spec = launchSpec({ max_runtime_seconds: 900 });

    const handle = await k8s.start(await k8s.provision(spec));
    const done = await until(k8s, handle, 'succeeded');
    const liveLogs = await k8s.logs(handle, 20);
    const artifacts = await k8s.collectArtifacts(handle, dest);
    await k8s.teardown(handle);
    const storedLogs = await k8s.logs(handle, 20);

    expect(done.metrics).toEqual({ accuracy: 0.93 });
    expect(artifacts.map((a) => a.path)).toEqual(['metrics.json', 'weights/model.bin']);
    expect(readFileSync(join(dest, 'weights/model.bin'), 'utf8')).toBe(`weights-${spec.job_id}\n`);
    expect(liveLogs).toContain('training lr=0.01');
    expect(storedLogs).toContain('training lr=0.01');
    expect(kube.inventory()).toEqual({ jobs: [], pods: [] });
    const deletion = kube.requests.find((r) => r.method === 'DELETE');
    expect(deletion?.query).toContain('propagationPolicy=Background');
  }, 40_000);

  it('sends a batch/v1 Job with the run labels, deadline, TTL, image, resources and node placement', async () => {
    const k8s = await provider('kubernetes', {
      ARTENIC_KUBERNETES__TRAINING_IMAGE: 'ghcr.io/acme/train:1',
      ARTENIC_KUBERNETES__SERVICE_ACCOUNT: 'trainer',
      ARTENIC_KUBERNETES__IMAGE_PULL_SECRETS: '["ghcr"]',
      ARTENIC_KUBERNETES__NODE_SELECTOR: '{"pool":"training"}',
      ARTENIC_KUBERNETES__TTL_SECONDS_AFTER_FINISHED: '600',
      ARTENIC_KUBERNETES__SPOT_NODE_SELECTOR: '{"cloud.google.com/gke-spot":"true"}',
      ARTENIC_KUBERNETES__SPOT_TOLERATIONS:
        '[{"key":"cloud.google.com/gke-spot","operator":"Equal","value":"true","effect":"NoSchedule"}]',
    });
    const spec = launchSpec({
      command: SLEEP,
      spot: true,
      region: 'us-east-1',
      max_runtime_seconds: 7200,
      options: { gpu_type: 'A100', gpu_count: 2 },
    });

    const handle = await k8s.provision(spec);
    await k8s.teardown(handle);

    const job = kube.requests.find((r) => r.method === 'POST')!.body!;
    expect(handle.provider_job_id).toBe(jobName(spec));
    expect(job.metadata.labels).toMatchObject({
      'app.kubernetes.io/managed-by': 'artenic-ai-platform',
      'artenic.ai/provider': 'kubernetes',
      'artenic.ai/job-id': spec.job_id,
      'artenic.ai/attempt': '1',
      'artenic.ai/token': spec.idempotency_token,
    });
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 7200,
      ttlSecondsAfterFinished: 600,
    });
    const pod = job.spec.template.spec;
    expect(pod).toMatchObject({
      restartPolicy: 'Never',
      serviceAccountName: 'trainer',
      imagePullSecrets: [{ name: 'ghcr' }],
      nodeSelector: {
        pool: 'training',
        'nvidia.com/gpu.product': 'A100',
        'topology.kubernetes.io/region': 'us-east-1',
        'cloud.google.com/gke-spot': 'true',
      },
    });
    expect(pod.tolerations).toEqual(
      expect.arrayContaining([
        { key: 'cloud.google.com/gke-spot', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
        { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' },
      ]),
    );
    expect(pod.containers[0]).toMatchObject({
      image: 'ghcr.io/acme/train:1',
      resources: { limits: { 'nvidia.com/gpu': '2', cpu: '2', memory: '8Gi' } },
    });
    expect(k8s.capabilities().spot).toBe(true);
  });

  it('CoreWeave preset: GPU class node label, region affinity, its namespace and per-GPU-hour EUR prices', async () => {
    const cw = await provider('coreweave', { ARTENIC_COREWEAVE__REGIONS: '["ORD1","LAS1"]' });
    const spec = launchSpec({ command: SLEEP, instance_type: 'A40', region: 'LAS1' });

    const handle = await cw.provision(spec);
    await cw.teardown(handle);
    const prices = await cw.prices();

    const pod = kube.requests.find((r) => r.method === 'POST')!.body!.spec.template.spec;
    expect(pod.nodeSelector).toEqual({
      'gpu.nvidia.com/class': 'A40',
      'topology.kubernetes.io/region': 'LAS1',
    });
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    expect(pod.containers[0].image).toBe('nvcr.io/nvidia/pytorch:24.01-py3');
    expect(handle.instance_type).toBe('A40');
    expect(prices.find((p) => p.instance_type === 'A40')).toMatchObject({
      provider: 'coreweave',
      currency: 'EUR',
      on_demand_per_hour_micros: 1_280_000,
      spot_per_hour_micros: null,
      gpu_type: 'A40',
      gpu_count: 1,
      stale: false,
      region: 'ORD1',
    });
    expect(prices[0]?.fetched_at).toBeInstanceOf(Date);
    expect(cw.capabilities()).toMatchObject({ spot: false, regions: ['ORD1', 'LAS1'] });
  });

  it('prices come only from the configured table: nothing configured is nothing offered, never a 0', async () => {
    const k8s = await provider('kubernetes', {
      ARTENIC_KUBERNETES__PRICES: '{"cpu":0.12,"L4":0.9}',
      ARTENIC_KUBERNETES__SPOT_PRICES: '{"L4":0.4}',
      ARTENIC_KUBERNETES__CURRENCY: 'usd',
    });
    const empty = await provider('kubernetes');

    const prices = await k8s.prices();

    expect(
      prices.map((p) => [p.instance_type, p.on_demand_per_hour_micros, p.spot_per_hour_micros, p.gpu_count]),
    ).toEqual([
      ['cpu', 120_000, null, 0],
      ['L4', 900_000, 400_000, 1],
    ]);
    expect(prices.every((p) => p.currency === 'USD')).toBe(true);
    expect(await empty.prices()).toEqual([]);
  });

  it('a disrupted pod (DisruptionTarget) is preempted with the job checkpoint', async () => {
    const k8s = await provider();
    const spec = launchSpec({ command: SLEEP, spot: true });
    const handle = await k8s.provision(spec);
    await until(k8s, handle, 'running');

    kube.disrupt(handle.provider_job_id);
    const status = await k8s.status(handle);
    await k8s.teardown(handle);

    expect(status.state).toBe('preempted');
    expect(status.message).toMatch(/DisruptionTarget PreemptionByScheduler/);
    expect(status.checkpoint_uri).toBe(`s3://${RUN_BUCKET}/training/${spec.job_id}/checkpoints`);
    expect(kube.inventory()).toEqual({ jobs: [], pods: [] });
  }, 20_000);

  it('a failing training command fails the run with its exit code, and a pod that cannot start fails too', async () => {
    const k8s = await provider('kubernetes', { ARTENIC_KUBERNETES__CREDENTIALS_SECRET: 'missing-secret' });
    const plain = await provider();
    const failing = launchSpec({ command: ['bash', '-c', 'echo boom; exit 3'] });
    const blocked = launchSpec({ command: SLEEP });

    const failedHandle = await plain.provision(failing);
    const failed = await until(plain, failedHandle, 'failed');
    const blockedHandle = await k8s.provision(blocked);
    const cannotStart: ProviderJobStatus = await until(k8s, blockedHandle, 'failed');
    await plain.teardown(failedHandle);
    await k8s.teardown(blockedHandle);

    expect(failed).toMatchObject({ exit_code: 3, message: 'training command exited with code 3' });
    expect(cannotStart.message).toMatch(/CreateContainerConfigError/);
    expect(kube.inventory()).toEqual({ jobs: [], pods: [] });
  }, 40_000);

  it('a retried provision finds the Job by its token instead of creating a second one', async () => {
    const k8s = await provider();
    const spec = launchSpec({ command: SLEEP });

    const first = await k8s.provision(spec);
    const again = await k8s.provision(spec);

    expect(again).toEqual(first);
    expect(kube.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(kube.inventory().jobs).toEqual([first.provider_job_id]);
    await k8s.teardown(first);
  });

  it('a create whose answer is lost times out, is retried, meets 409 and adopts the same Job', async () => {
    const k8s = await provider();
    const spec = launchSpec({ command: SLEEP });
    kube.failNext(1, { status: 0, hang: true, apply: true, method: 'POST' });

    const handle = await k8s.provision(spec);

    expect(handle.provider_job_id).toBe(jobName(spec));
    expect(kube.requests.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(kube.inventory().jobs).toEqual([jobName(spec)]);
    await k8s.teardown(handle);
  });

  it('reconcile adopts the Job of a live attempt and deletes orphans, only among its own provider', async () => {
    const k8s = await provider();
    const cw = await provider('coreweave', { ARTENIC_COREWEAVE__NAMESPACE: 'train' });
    const live = launchSpec({ command: SLEEP });
    const orphan = launchSpec({ command: SLEEP });
    const other = launchSpec({ command: SLEEP });
    const kept = await k8s.provision(live);
    const stray = await k8s.provision(orphan);
    const foreign = await cw.provision(other);

    const result = await k8s.reconcile([{ job_id: live.job_id, attempt: 1 }]);

    expect(result.removed).toEqual([stray.provider_job_id]);
    expect(result.adopted).toEqual([
      {
        job_id: live.job_id,
        attempt: 1,
        provider_job_id: kept.provider_job_id,
        state: kept.state,
      },
    ]);
    expect(kube.inventory().jobs).toEqual([foreign.provider_job_id, kept.provider_job_id].sort());
    await k8s.teardown(kept);
    await cw.teardown(foreign);
  });

  it('429 with Retry-After is waited out and retried; a lasting 429/5xx leaves the launch queued', async () => {
    const k8s = await provider();
    kube.failNext(1, { status: 429, reason: 'TooManyRequests', headers: { 'retry-after': '1' } });
    const startedAt = Date.now();
    const handle = await k8s.provision(launchSpec({ command: SLEEP }));
    const waited = Date.now() - startedAt;
    await k8s.teardown(handle);
    kube.failNext(4, { status: 429, reason: 'TooManyRequests', headers: { 'retry-after': '7' } });

    const throttled = await k8s.provision(launchSpec({ command: SLEEP })).catch((e: unknown) => e);

    expect(waited).toBeGreaterThanOrEqual(900);
    expect(throttled).toBeInstanceOf(ProviderCapacityError);
    expect((throttled as ProviderCapacityError).retryAfterSeconds).toBe(7);
    expect(kube.inventory().jobs).toEqual([]);
  });

  it('a hanging API times out (no hang), a refusal (403) and a bad token (401) are reported with the reason', async () => {
    const k8s = await provider();
    const wrongToken = await provider('kubernetes', { ARTENIC_KUBERNETES__TOKEN: 'stolen' });
    kube.failNext(2, { status: 0, hang: true });
    const startedAt = Date.now();

    const timedOut = await k8s.provision(launchSpec({ command: SLEEP })).catch((e: unknown) => e);
    const elapsed = Date.now() - startedAt;
    kube.failNext(1, { status: 403, reason: 'Forbidden' });
    const forbidden = await k8s.provision(launchSpec({ command: SLEEP })).catch((e: unknown) => e);
    const unauthorized = await wrongToken.provision(launchSpec({ command: SLEEP })).catch((e: unknown) => e);
    const live = await k8s.provision(launchSpec({ command: SLEEP }));
    kube.failNext(2, { status: 503, reason: 'ServiceUnavailable', method: 'GET' });
    const statusFailure = await k8s.status(live).catch((e: unknown) => e);
    await k8s.teardown(live);

    expect(timedOut).toBeInstanceOf(ProviderCapacityError);
    expect(elapsed).toBeLessThan(8000);
    expect(forbidden).toBeInstanceOf(DomainError);
    expect((forbidden as DomainError).message).toMatch(/^kubernetes Job creation failed: HTTP-Code: 403/);
    expect((unauthorized as DomainError).details).toMatchObject({ upstream_status: 401, retryable: false });
    expect(statusFailure).toMatchObject({
      code: 'PROVIDER_REQUEST_FAILED',
      details: { upstream_status: 503, retryable: true },
    });
  }, 20_000);
});
