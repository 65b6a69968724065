import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProviderRegistry } from '@app/providers/provider-registry';
import type { LaunchSpec } from '@app/providers/training-provider.port';
import type { AzureProvider } from '@app/providers/azure/azure.provider';
import { startApp, type TestApp } from './support/test-app';
import { eventually } from './support/eventually';
import { trainingClient } from './training-support';
import { FakeAzure, type RetailItem } from './fakes/azure/fake-azure';

const CLIENT = { tenant: 'tenant-1', id: 'client-1', secret: 's3cret-value' };
const ACCOUNT = 'artenicai';
/** Trains for real on the "VM": env in, outputs, metrics and a checkpoint out. */
const TRAIN = [
  'bash',
  '-c',
  'echo "training lr=$ARTENIC_HP_LR attempt=$ARTENIC_ATTEMPT resume=$ARTENIC_RESUME_DIR"; ' +
    'if [ -n "$ARTENIC_RESUME_DIR" ]; then echo "resumed step $(cat "$ARTENIC_RESUME_DIR/step.txt")"; fi; ' +
    'if [ "$ARTENIC_ATTEMPT" = "1" ] && [ -n "$SLOW_FIRST" ]; then echo 3 > "$ARTENIC_CHECKPOINT_DIR/step.txt"; sleep 120; fi; ' +
    'mkdir -p "$ARTENIC_OUTPUT_DIR/weights"; echo "weights-$ARTENIC_JOB_ID" > "$ARTENIC_OUTPUT_DIR/weights/model.bin"; ' +
    'echo \'{"accuracy": 0.91}\' > "$ARTENIC_OUTPUT_DIR/metrics.json"',
];
const SLEEP = ['bash', '-c', 'echo started; sleep 120'];

function item(sku: string, meter: string, price: number, region = 'westeurope'): RetailItem {
  return {
    armSkuName: sku,
    skuName: meter,
    productName: 'Virtual Machines Dv5 Series',
    retailPrice: price,
    unitOfMeasure: '1 Hour',
    currencyCode: 'USD',
    armRegionName: region,
  };
}

describe('Azure provider over the platform API (ARM, Blob and Retail Prices fakes)', () => {
  let azure: FakeAzure;
  let t: TestApp;
  let c: ReturnType<typeof trainingClient>;
  const provider = () => t.app.get(ProviderRegistry).get('azure') as AzureProvider;

  beforeAll(async () => {
    azure = await new FakeAzure(ACCOUNT, CLIENT).start();
    azure.priceItems = [
      item('Standard_D2s_v5', 'D2s v5', 0.096),
      item('Standard_D2s_v5', 'D2s v5 Spot', 0.0192),
      item('Standard_D2s_v5', 'D2s v5 Low Priority', 0.02),
      { ...item('Standard_D2s_v5', 'D2s v5', 0.188), productName: 'Virtual Machines Dv5 Series Windows' },
      item('Standard_NC4as_T4_v3', 'NC4as T4 v3', 0.526),
      item('Standard_NC4as_T4_v3', 'NC4as T4 v3 Spot', 0.16),
      item('Standard_D2s_v5', 'D2s v5', 0.12, 'eastus'),
    ];
    const keyDir = mkdtempSync(join(tmpdir(), 'artenic-azure-key-'));
    writeFileSync(join(keyDir, 'id.pub'), 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKey artenic@test\n');
    t = await startApp({
      env: {
        ARTENIC_TRAINING__POLL_INTERVAL_MS: '3600000',
        ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '0',
        ARTENIC_SPOT__MAX_PREEMPTION_RETRIES: '2',
        ARTENIC_AZURE__ENABLED: 'true',
        ARTENIC_AZURE__SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
        ARTENIC_AZURE__TENANT_ID: CLIENT.tenant,
        ARTENIC_AZURE__CLIENT_ID: CLIENT.id,
        ARTENIC_AZURE__CLIENT_SECRET: CLIENT.secret,
        ARTENIC_AZURE__REGION: 'westeurope',
        ARTENIC_AZURE__RESOURCE_GROUP: 'rg-training',
        ARTENIC_AZURE__VNET_NAME: 'vnet-1',
        ARTENIC_AZURE__SUBNET_NAME: 'training',
        ARTENIC_AZURE__SSH_KEY_PATH: join(keyDir, 'id.pub'),
        ARTENIC_AZURE__MANAGEMENT_ENDPOINT: azure.url,
        ARTENIC_AZURE__LOGIN_ENDPOINT: azure.url,
        ARTENIC_AZURE__STORAGE_ENDPOINT: `${azure.url}/${ACCOUNT}`,
        ARTENIC_AZURE__PRICES_URL: `${azure.url}/api/retail/prices`,
        ARTENIC_AZURE__REQUEST_TIMEOUT_MS: '2000',
        ARTENIC_AZURE__MAX_ATTEMPTS: '2',
        ARTENIC_AZURE__PRICE_TTL_SECONDS: '1',
      },
    });
    c = trainingClient(t);
  });

  afterAll(async () => {
    await t.close();
    await azure.stop();
  });

  afterEach(() => azure.clearFailures());

  const vmsOf = (jobId: string) => [...azure.vms.keys()].filter((n) => n.includes(jobId));
  const leftovers = (jobId: string) => {
    const inv = azure.inventory();
    return [...inv.vms, ...inv.nics, ...inv.publicIps, ...inv.disks].filter((n) => n.includes(jobId));
  };

  it('lists Azure with its capabilities and never its credentials', async () => {
    const res = await t.http().get('/api/v1/providers');

    expect(res.status).toBe(200);
    expect((res.body as Array<{ name: string }>).map((p) => p.name)).toContain('azure');
    expect(JSON.stringify(res.body)).not.toContain(CLIENT.secret);
  });

  it('on-demand: dispatch → running → completed with artifacts and logs → VM, NIC, IP and disk deleted', async () => {
    const res = await c.dispatch({
      provider: 'azure',
      instance_type: 'Standard_D2s_v5',
      config: { command: TRAIN, hyperparameters: { lr: 0.01 } },
    });
    expect(res.status).toBe(200);
    const id = res.body.job_id as string;
    await c.until(id, 'running', 20_000);
    const [name] = vmsOf(id);
    const sent = azure.vmBody(name!)!.properties;
    const tags = azure.vmBody(name!)!.tags as Record<string, string>;

    const done = await c.until(id, 'completed', 40_000);
    const logs = await t.http().get(`/api/v1/training/${id}/logs`);

    expect(done.metrics).toEqual({ accuracy: 0.91 });
    expect(done.artifacts_uri).toBeTruthy();
    expect(logs.text).toContain('training lr=0.01 attempt=1');
    expect(sent.priority).toBeUndefined();
    expect(sent.hardwareProfile).toEqual({ vmSize: 'Standard_D2s_v5' });
    expect(sent.storageProfile.osDisk.deleteOption).toBe('Delete');
    expect(Buffer.from(sent.osProfile.customData, 'base64').toString()).toMatch(/^#!\/bin\/bash\n/);
    expect(tags).toMatchObject({
      artenic_job_id: id,
      artenic_attempt: '1',
      artenic_token: `${id}-1`,
    });
    expect([...azure.blobs.keys()]).toContain(
      `artenic-models/training/${id}/attempt-1/output/weights/model.bin`,
    );
    await eventually(async () => {
      await c.tick();
      expect(leftovers(id)).toEqual([]);
    });
  }, 60_000);

  it('spot: an eviction (simulateEviction) is recovered on a new VM under the same job id, from the checkpoint', async () => {
    const res = await c.dispatch({
      provider: 'azure',
      instance_type: 'Standard_D2s_v5',
      is_spot: true,
      config: {
        command: TRAIN,
        env: { SLOW_FIRST: '1' },
        hyperparameters: { lr: 0.02 },
        sync_interval_seconds: 5,
      },
    });
    const id = res.body.job_id as string;
    await c.until(id, 'running', 20_000);
    const [first] = vmsOf(id);
    expect(azure.vmBody(first!)?.properties).toMatchObject({
      priority: 'Spot',
      evictionPolicy: 'Delete',
      billingProfile: { maxPrice: -1 },
    });
    await eventually(
      () => expect(azure.blobs.has(`artenic-models/training/${id}/checkpoints/step.txt`)).toBe(true),
      { timeoutMs: 15_000 },
    );

    await provider()['arm'].compute.virtualMachines.simulateEviction('rg-training', first!);
    const done = await c.until(id, 'completed', 50_000);

    expect(done.id).toBe(id);
    expect(done.attempts.map((a) => [a.status, a.spot])).toEqual([
      ['preempted', true],
      ['succeeded', true],
    ]);
    const logs = await t.http().get(`/api/v1/training/${id}/logs`);
    expect(logs.text).toContain('attempt=2 resume=');
    expect(logs.text).toContain('resumed step 3');
    await eventually(async () => {
      await c.tick();
      expect(leftovers(id)).toEqual([]);
    });
  }, 90_000);

  it('cancel deletes the VM with its NIC, public IP and disk: zero resources', async () => {
    const res = await c.dispatch({
      provider: 'azure',
      instance_type: 'Standard_D2s_v5',
      config: { command: SLEEP },
    });
    const id = res.body.job_id as string;
    await c.until(id, 'running', 20_000);
    expect(leftovers(id)).toHaveLength(4);

    const cancelled = await t.http().post(`/api/v1/training/${id}/cancel`);
    await c.until(id, 'cancelled', 10_000);

    expect(cancelled.status).toBe(200);
    await eventually(async () => {
      await c.tick();
      expect(leftovers(id)).toEqual([]);
    });
  }, 40_000);

  it('a launch that crashed before the database write is adopted, not duplicated; reconcile removes orphans', async () => {
    const res = await c.dispatch({
      provider: 'azure',
      instance_type: 'Standard_D2s_v5',
      config: { command: SLEEP },
    });
    const id = res.body.job_id as string;
    // The previous process launched this attempt and died before recording it; another left a stray VM,
    // and a third died after creating its network interface but before its VM.
    const orphanOfCrash = await provider().provision(specFor(id));
    const stray = await provider().provision(specFor('00000000-0000-4000-8000-00000000dead'));
    const halfLaunchId = '00000000-0000-4000-8000-0000000000aa';
    await provider().provision(specFor(halfLaunchId));
    azure.vms.get(`artenic-${halfLaunchId}-1`)?.machine.kill();
    azure.vms.delete(`artenic-${halfLaunchId}-1`);
    azure.disks.delete(`artenic-${halfLaunchId}-1_OsDisk`);

    await c.until(id, 'running', 20_000);
    const reconciled = await provider().reconcile([{ job_id: id, attempt: 1 }]);

    expect(vmsOf(id)).toEqual([orphanOfCrash.provider_job_id]);
    expect((await c.job(id)).provider_job_id).toBe(orphanOfCrash.provider_job_id);
    expect(reconciled.adopted.map((a) => a.provider_job_id)).toEqual([orphanOfCrash.provider_job_id]);
    expect(reconciled.removed).toEqual(
      expect.arrayContaining([
        stray.provider_job_id,
        `artenic-${halfLaunchId}-1-nic`,
        `artenic-${halfLaunchId}-1-ip`,
      ]),
    );
    expect(leftovers(stray.job_id)).toEqual([]);
    expect(leftovers(halfLaunchId)).toEqual([]);
    await t.http().post(`/api/v1/training/${id}/cancel`);
    await eventually(async () => {
      await c.tick();
      expect(leftovers(id)).toEqual([]);
    });
  }, 40_000);

  it('throttling (429 Retry-After), 5xx and timeouts keep the job queued and the API responsive; it launches once ARM recovers', async () => {
    azure.failNext(3, { status: 429, code: 'TooManyRequests', headers: { 'retry-after': '1' } });
    azure.failNext(2, { status: 503, code: 'ServiceUnavailable' });
    azure.failNext(2, { status: 500, code: 'InternalServerError', hang: true });
    const res = await c.dispatch({
      provider: 'azure',
      instance_type: 'Standard_D2s_v5',
      config: { command: TRAIN },
    });
    const id = res.body.job_id as string;

    await c.tick();
    await c.tick();
    const during = await t.http().get(`/api/v1/training/${id}`);
    azure.clearFailures();
    const done = await c.until(id, 'completed', 40_000);

    expect(during.status).toBe(200);
    expect(during.body.status).toBe('pending');
    expect(done.metrics).toEqual({ accuracy: 0.91 });
    expect(vmsOf(id).length + leftovers(id).length).toBe(0);
  }, 60_000);

  it('a refused launch (ARM client error) fails the job with the cloud reason and leaves nothing', async () => {
    azure.failNext(1, { status: 400, code: 'InvalidParameter', match: /^PUT .*virtualMachines/ });
    const res = await c.dispatch({
      provider: 'azure',
      instance_type: 'Standard_D2s_v5',
      config: { command: TRAIN },
    });
    const id = res.body.job_id as string;

    const failed = await c.until(id, 'failed', 10_000);

    expect(failed.error).toMatch(/azure launch failed: .*InvalidParameter/);
    expect(leftovers(id)).toEqual([]);
  }, 20_000);

  it('prices: Linux pay-as-you-go and Spot from the Retail Prices API (all pages), cached, stale on failure', async () => {
    const prices = await provider().prices();

    const d2 = prices.find((p) => p.instance_type === 'Standard_D2s_v5');
    expect(d2).toMatchObject({
      currency: 'USD',
      region: 'westeurope',
      on_demand_per_hour_micros: 96000,
      spot_per_hour_micros: 19200,
      stale: false,
      source: 'azure:retail-prices',
    });
    expect(d2?.fetched_at).toBeInstanceOf(Date);
    expect(prices.find((p) => p.instance_type === 'Standard_NC4as_T4_v3')).toMatchObject({
      gpu_type: 'T4',
      gpu_count: 1,
      spot_per_hour_micros: 160000,
    });
    azure.priceFailure = { status: 503, code: 'ServiceUnavailable' };
    const stale = await eventually(
      async () => {
        const again = await provider().prices();
        expect(again.every((p) => p.stale)).toBe(true);
        return again;
      },
      { timeoutMs: 5000 },
    );
    azure.priceFailure = null;
    expect(stale.find((p) => p.instance_type === 'Standard_D2s_v5')?.on_demand_per_hour_micros).toBe(96000);
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
    instance_type: 'Standard_D2s_v5',
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
