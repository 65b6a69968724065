import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ProviderApiError } from '@app/providers/http/rest-client';
import type { LaunchSpec, ProviderJobHandle, TrainingProvider } from '@app/providers/training-provider.port';
import { eventually } from '../../support/eventually';
import { startMoto, type MotoServer } from '../moto/moto-server';
import type { FakeReply } from './fake-http';

export const RUN_BUCKET = 'artenic-runs';

/** What each cloud's suite provides: the adapter pointed at its fake, and a view of the fake's resources. */
export interface CloudUnderTest {
  provider: TrainingProvider;
  /** Machines (and their companions: IPs, volumes …) the fake still holds. */
  resources: () => number;
  failNext: (count: number, reply: FakeReply) => void;
  /** The cloud reclaims an interruptible machine. Only for clouds with spot capacity. */
  preempt?: (handle: ProviderJobHandle) => void;
  instanceType: string;
  close: () => Promise<void>;
}

export interface Storage {
  moto: MotoServer;
  s3: S3Client;
  /** `ARTENIC_<P>__STORAGE__*` variables pointing at moto. */
  env: (prefix: string) => Record<string, string>;
  /** Objects under the runs bucket. */
  keys: () => Promise<string[]>;
}

export async function startStorage(): Promise<Storage> {
  const moto = await startMoto();
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: moto.url,
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: RUN_BUCKET }));
  return {
    moto,
    s3,
    env: (prefix) => ({
      [`ARTENIC_${prefix}__STORAGE__ENDPOINT_URL`]: moto.url,
      [`ARTENIC_${prefix}__STORAGE__ACCESS_KEY`]: 'testing',
      [`ARTENIC_${prefix}__STORAGE__SECRET_KEY`]: 'testing',
      [`ARTENIC_${prefix}__STORAGE__REGION`]: 'us-east-1',
      [`ARTENIC_${prefix}__STORAGE__MODELS_BUCKET`]: RUN_BUCKET,
    }),
    keys: async () => {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: RUN_BUCKET }));
      return (out.Contents ?? []).map((o) => o.Key ?? '');
    },
  };
}

/** A training program, as the dispatch would send it: reads its env, writes outputs, metrics and a checkpoint. */
export const TRAIN = [
  'bash',
  '-c',
  'echo "training lr=$LEARNING_RATE"; mkdir -p "$ARTENIC_OUTPUT_DIR/weights"; ' +
    'echo "weights-$ARTENIC_JOB_ID" > "$ARTENIC_OUTPUT_DIR/weights/model.bin"; ' +
    'echo \'{"accuracy": 0.93}\' > "$ARTENIC_OUTPUT_DIR/metrics.json"; echo 7 > "$ARTENIC_CHECKPOINT_DIR/step.txt"',
];

export const SLEEP = ['bash', '-c', 'echo started; sleep 60'];

export function launchSpec(overrides: Partial<LaunchSpec> = {}): LaunchSpec {
  const jobId = randomUUID();
  return {
    job_id: jobId,
    attempt: 1,
    service: 'fraud',
    model: 'xgb',
    command: TRAIN,
    env: { LEARNING_RATE: '0.01' },
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
    ...overrides,
  };
}

export async function eventuallyRunning(
  provider: TrainingProvider,
  handle: ProviderJobHandle,
): Promise<void> {
  await eventually(async () => expect((await provider.status(handle)).state).toBe('running'), {
    timeoutMs: 10_000,
  });
}

/**
 * The behaviours every REST cloud must show at its wire (issue 10's "Must show", adapter level): a run that
 * completes with artifacts and leaves nothing behind, cancel, preemption where the cloud has spot capacity,
 * no duplicate machine after a crash, and API failures that are retried or reported, never hung on.
 */
export function describeCloudConformance(
  title: string,
  setup: (storage: Storage) => Promise<CloudUnderTest>,
  options: { spot: boolean },
): void {
  describe(`${title}: lifecycle at the wire`, () => {
    // These suites boot real bash "machines" against fakes and moto: timing varies with machine load. A
    // failure is retried (and logged) rather than failing CI on a scheduling race; a consistent failure still fails.
    jest.retryTimes(2, { logErrorsBeforeRetry: true });
    let storage: Storage;
    let cloud: CloudUnderTest;
    let dest: string;

    beforeAll(async () => {
      storage = await startStorage();
    });
    afterAll(async () => {
      storage.s3.destroy();
      await storage.moto.stop();
    });
    beforeEach(async () => {
      cloud = await setup(storage);
      dest = mkdtempSync(join(tmpdir(), 'artenic-collect-'));
    });
    afterEach(async () => {
      await cloud.close();
      rmSync(dest, { recursive: true, force: true });
    });

    it('runs the command, completes with artifacts and metrics, then leaves zero resources', async () => {
      const spec = launchSpec({ instance_type: cloud.instanceType });

      const handle = await cloud.provider.start(await cloud.provider.provision(spec), spec);
      const status = await eventually(
        async () => {
          const s = await cloud.provider.status(handle);
          if (s.state !== 'succeeded') throw new Error(`still ${s.state} ${s.message ?? ''}`);
          return s;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
      const artifacts = await cloud.provider.collectArtifacts(handle, dest);
      const logs = await cloud.provider.logs(handle, 50);
      await cloud.provider.teardown(handle);

      expect(status.metrics).toEqual({ accuracy: 0.93 });
      expect(artifacts.map((a) => a.path)).toEqual(['metrics.json', 'weights/model.bin']);
      expect(readFileSync(join(dest, 'weights/model.bin'), 'utf8')).toBe(`weights-${spec.job_id}\n`);
      expect(logs).toContain('training lr=0.01');
      expect(cloud.resources()).toBe(0);
      expect((await storage.keys()).filter((k) => k.includes(`${spec.job_id}/attempt-1/`))).toEqual([]);
    }, 90_000);

    it('cancel removes the machine: zero resources', async () => {
      const spec = launchSpec({ instance_type: cloud.instanceType, command: SLEEP });
      const handle = await cloud.provider.provision(spec);
      await eventually(async () => expect((await cloud.provider.status(handle)).state).toBe('running'), {
        timeoutMs: 10_000,
      });

      await cloud.provider.cancel(handle);
      await cloud.provider.teardown(handle);

      expect(cloud.resources()).toBe(0);
    }, 20_000);

    it('a crashed launch is not duplicated: provision again adopts, reconcile removes orphans', async () => {
      const spec = launchSpec({ instance_type: cloud.instanceType, command: SLEEP });
      const first = await cloud.provider.provision(spec);

      const second = await cloud.provider.provision(spec);
      const adopted = await cloud.provider.reconcile!([{ job_id: spec.job_id, attempt: 1 }]);
      const removed = await cloud.provider.reconcile!([]);

      expect(second.provider_job_id).toBe(first.provider_job_id);
      expect(adopted.adopted.map((a) => a.provider_job_id)).toEqual([first.provider_job_id]);
      expect(removed.removed).toEqual([first.provider_job_id]);
      expect(cloud.resources()).toBe(0);
    });

    it('rate limiting and transient 5xx are retried (Retry-After honoured); a lasting failure is reported', async () => {
      cloud.failNext(2, {
        status: 429,
        headers: { 'retry-after': '0' },
        body: { error: { code: 'rate_limit_exceeded', message: 'slow down' } },
      });
      const prices = await cloud.provider.prices();
      cloud.failNext(20, { status: 503, body: { error: { code: 'unavailable', message: 'maintenance' } } });

      const failure = await cloud.provider
        .provision(launchSpec({ instance_type: cloud.instanceType }))
        .catch((e: unknown) => e);

      expect(prices.length).toBeGreaterThan(0);
      expect(failure).toBeInstanceOf(ProviderApiError);
      expect((failure as ProviderApiError).message).toMatch(/503/);
    });

    if (options.spot) {
      it('a preempted interruptible machine is reported preempted with its checkpoint, and cleaned up', async () => {
        const spec = launchSpec({ instance_type: cloud.instanceType, command: SLEEP, spot: true });
        const handle = await cloud.provider.provision(spec);
        await eventually(async () => expect((await cloud.provider.status(handle)).state).toBe('running'), {
          timeoutMs: 10_000,
        });

        cloud.preempt!(handle);
        const status = await cloud.provider.status(handle);
        await cloud.provider.teardown(handle);

        expect(status.state).toBe('preempted');
        expect(status.checkpoint_uri).toBe(`s3://${RUN_BUCKET}/training/${spec.job_id}/checkpoints`);
        expect(cloud.resources()).toBe(0);
      }, 20_000);
    } else {
      it('declares on-demand only capacity', () => {
        expect(cloud.provider.capabilities().spot).toBe(false);
      });
    }
  });
}
