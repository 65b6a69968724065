import { PeriodicTasks } from '@app/common/periodic/periodic-tasks';
import { PRICE_REFRESH_TASK } from '@app/providers/price-catalogue';
import { startCloud, type CloudName, type RunningCloud } from './fakes/rest-cloud/http-clouds';
import { startStorage, type Storage } from './fakes/rest-cloud/provider-conformance';
import { startApp, type TestApp } from './support/test-app';

const CLOUDS: CloudName[] = [
  'oci',
  'ovh',
  'infomaniak',
  'hetzner',
  'scaleway',
  'lambda_labs',
  'runpod',
  'vastai',
];

/** One GPU (or the closest each cloud sells) per provider, as a user asking "where is one GPU cheapest?" would. */
const ONE_GPU: Record<CloudName, string> = {
  oci: 'VM.GPU.A10.1',
  ovh: 'l40s-90',
  infomaniak: 'l40s-90',
  hetzner: 'cx22',
  scaleway: 'GPU-3070-S',
  lambda_labs: 'gpu_1x_a10',
  runpod: 'NVIDIA RTX A6000',
  vastai: 'RTX_4090',
};

describe('All eight REST clouds enabled: prices and POST /api/v1/training/estimate', () => {
  let storage: Storage;
  let clouds: RunningCloud[];
  let t: TestApp;

  beforeAll(async () => {
    storage = await startStorage();
    clouds = [];
    for (const name of CLOUDS) clouds.push(await startCloud(name, storage));
    t = await startApp({
      env: {
        ...Object.assign({}, ...clouds.map((c) => c.env)),
        ARTENIC_MOCK__ENABLED: 'false',
        ARTENIC_LOCAL__ENABLED: 'false',
        ARTENIC_FX__RATES: '{"base":"EUR","date":"2026-11-20","rates":{"USD":1.08}}',
      },
    });
    await t.app.get(PeriodicTasks).runNow(PRICE_REFRESH_TASK);
  }, 60_000);
  afterAll(async () => {
    await t.close();
    for (const c of clouds) await c.stop();
    storage.s3.destroy();
    await storage.moto.stop();
  });

  it('every enabled cloud is registered with honest capabilities (spot only where the cloud has it)', async () => {
    const res = await t.http().get('/api/v1/providers');

    const byName = Object.fromEntries(
      (res.body as Array<{ name: string; capabilities: { spot: boolean } }>).map((p) => [
        p.name,
        p.capabilities.spot,
      ]),
    );
    expect(byName).toEqual({
      hetzner: false,
      infomaniak: false,
      lambda_labs: false,
      oci: true,
      ovh: false,
      runpod: true,
      scaleway: false,
      vastai: true,
    });
  });

  it('prices are stored in each cloud’s own currency with their fetch time (USD is never labelled EUR)', async () => {
    const currencies: Record<string, string[]> = {};
    for (const name of CLOUDS) {
      const res = await t.http().get(`/api/v1/providers/${name}/prices`);
      const rows = res.body as Array<{
        currency: string;
        fetched_at: string;
        on_demand_per_hour_micros: number;
      }>;
      currencies[name] = [...new Set(rows.map((r) => r.currency))];
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => r.on_demand_per_hour_micros > 0 && /Z$/.test(r.fetched_at))).toBe(true);
    }

    expect(currencies).toEqual({
      oci: ['USD'],
      ovh: ['EUR'],
      infomaniak: ['EUR'],
      hetzner: ['EUR'],
      scaleway: ['EUR'],
      lambda_labs: ['USD'],
      runpod: ['USD'],
      vastai: ['USD'],
    });
  });

  it('estimates one GPU on every enabled cloud, each priced in its own currency', async () => {
    const candidates = CLOUDS.map((provider) => ({
      provider,
      instance_type: ONE_GPU[provider],
      is_spot: false,
    }));

    const res = await t
      .http()
      .post('/api/v1/training/estimate')
      .send({ service: 'fraud', model: 'xgb', max_runtime_hours: 2, candidates });

    const estimates = res.body.estimates as Array<{
      provider: string;
      currency: string;
      price_known: boolean;
      price_per_hour_micros: number;
      cost_p50_micros: number;
    }>;
    expect(res.status).toBe(200);
    expect(estimates.map((e) => e.provider).sort()).toEqual([...CLOUDS].sort());
    expect(estimates.every((e) => e.price_known && e.cost_p50_micros === e.price_per_hour_micros * 2)).toBe(
      true,
    );
    expect(Object.fromEntries(estimates.map((e) => [e.provider, e.currency]))).toMatchObject({
      oci: 'USD',
      vastai: 'USD',
      ovh: 'EUR',
      scaleway: 'EUR',
    });
  });
});
