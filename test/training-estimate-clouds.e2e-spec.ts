import { PeriodicTasks } from '@app/common/periodic/periodic-tasks';
import { PRICE_REFRESH_TASK } from '@app/providers/price-catalogue';
import { startCloud, type CloudName, type RunningCloud } from './fakes/rest-cloud/http-clouds';
import { startStorage, type Storage } from './fakes/rest-cloud/provider-conformance';
import { startApp, type TestApp } from './support/test-app';

jest.setTimeout(30_000);

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
const USD_PER_EUR = 1.08;
const FX = { base: 'EUR', date: '2026-11-20', rates: { USD: USD_PER_EUR } };
const HOURS = 2;

interface PriceRow {
  provider: string;
  instance_type: string;
  region: string | null;
  currency: string;
  on_demand_per_hour_micros: number;
  spot_per_hour_micros: number | null;
  gpu_type: string | null;
  gpu_count: number;
  fetched_at: string;
}

interface Estimate {
  provider: string;
  instance_type: string;
  region: string | null;
  is_spot: boolean;
  gpu_type: string | null;
  gpu_count: number;
  currency: string;
  price_per_hour_micros: number;
  duration_p50_seconds: number;
  duration_p90_seconds: number;
  cost_p50_micros: number;
  cost_p90_micros: number;
  price: { per_hour_micros: number; currency: string; fetched_at: string; stale: boolean };
  converted: {
    currency: string;
    rate: number;
    rates_date: string | null;
    price_per_hour_micros: number;
    cost_p50_micros: number;
  } | null;
  eligible: boolean;
  excluded_reasons: string[];
}

interface Constraints {
  gpuType?: string;
  regions?: string[];
  spotAllowed: boolean;
  maxEurPerHour?: number;
}

/**
 * The cheapest placement by hand, from the catalogue rows the fakes' price sources produced and the FX table
 * above: no history, so every duration is the max runtime and cost ranks like the hourly price in EUR.
 */
function cheapestByHand(rows: PriceRow[], c: Constraints) {
  const toEur = (micros: number, currency: string) => (currency === 'EUR' ? micros : micros / USD_PER_EUR);
  return rows
    .filter((r) => r.gpu_count >= 1 && (!c.gpuType || (r.gpu_type ?? '').split(/\W+/).includes(c.gpuType)))
    .flatMap((r) => [
      { row: r, spot: false, micros: r.on_demand_per_hour_micros },
      ...(r.spot_per_hour_micros !== null && c.spotAllowed
        ? [{ row: r, spot: true, micros: r.spot_per_hour_micros }]
        : []),
    ])
    .filter((o) => !c.regions || (o.row.region !== null && c.regions.includes(o.row.region)))
    .map((o) => ({ ...o, eur: toEur(o.micros, o.row.currency) }))
    .filter((o) => c.maxEurPerHour === undefined || o.eur <= c.maxEurPerHour * 1_000_000)
    .sort((a, b) => a.eur - b.eur)
    .map((o) => ({
      provider: o.row.provider,
      instance_type: o.row.instance_type,
      is_spot: o.spot,
      eur: o.eur,
    }))[0];
}

/** What comparing raw micros across currencies (the old behaviour) would have chosen. */
function cheapestByRawMicros(estimates: Estimate[]) {
  const [first] = [...estimates].sort((a, b) => a.price_per_hour_micros - b.price_per_hour_micros);
  return first
    ? { provider: first.provider, instance_type: first.instance_type, is_spot: first.is_spot }
    : null;
}

describe('POST /api/v1/training/estimate with all eight REST clouds enabled', () => {
  let storage: Storage;
  let clouds: RunningCloud[];
  let t: TestApp;
  let noUsd: TestApp;
  let rows: PriceRow[];

  beforeAll(async () => {
    storage = await startStorage();
    clouds = [];
    for (const name of CLOUDS) clouds.push(await startCloud(name, storage));
    const env = {
      ...Object.assign({}, ...clouds.map((c) => c.env)),
      ARTENIC_MOCK__ENABLED: 'false',
      ARTENIC_LOCAL__ENABLED: 'false',
    };
    t = await startApp({ env: { ...env, ARTENIC_FX__RATES: JSON.stringify(FX) } });
    noUsd = await startApp({
      env: { ...env, ARTENIC_FX__RATES: '{"base":"EUR","date":"2026-11-21","rates":{"GBP":0.85}}' },
    });
    await t.app.get(PeriodicTasks).runNow(PRICE_REFRESH_TASK);
    await noUsd.app.get(PeriodicTasks).runNow(PRICE_REFRESH_TASK);
    rows = [];
    for (const name of CLOUDS) {
      rows.push(...((await t.http().get(`/api/v1/providers/${name}/prices`)).body as PriceRow[]));
    }
  }, 90_000);
  afterAll(async () => {
    await t.close();
    await noUsd.close();
    for (const c of clouds) await c.stop();
    storage.s3.destroy();
    await storage.moto.stop();
  });

  const estimate = async (app: TestApp, body: Record<string, unknown>) => {
    const res = await app
      .http()
      .post('/api/v1/training/estimate')
      .send({ service: 'fraud', model: 'xgb', max_runtime_hours: HOURS, ...body });
    expect(res.status).toBe(200);
    return res.body as {
      currency: string;
      rates_date: string;
      estimates: Estimate[];
      cheapest: Estimate | null;
      providers: Array<{ provider: string; candidates: number; eligible: number; note: string | null }>;
    };
  };
  const pick = (e: Estimate | null | undefined) =>
    e ? { provider: e.provider, instance_type: e.instance_type, is_spot: e.is_spot } : null;
  const byHand = (c: Constraints, from: PriceRow[] = rows) => {
    const expected = cheapestByHand(from, c);
    return expected
      ? { provider: expected.provider, instance_type: expected.instance_type, is_spot: expected.is_spot }
      : null;
  };

  it('one GPU: priced candidates from every provider selling one, each in its own currency with its fetch time, and converted', async () => {
    const body = await estimate(t, { gpu: { count: 1 } });

    const gpuRows = rows.filter((r) => r.gpu_count >= 1);
    const providers = [...new Set(body.estimates.map((e) => e.provider))].sort();
    expect(providers).toEqual([...new Set(gpuRows.map((r) => r.provider))].sort());
    expect(providers).toHaveLength(7);
    expect(body.providers.find((p) => p.provider === 'hetzner')).toEqual({
      provider: 'hetzner',
      candidates: 0,
      eligible: 0,
      note: 'no catalogued instance type offers 1 GPU',
    });
    for (const e of body.estimates) {
      const row = gpuRows.find((r) => r.provider === e.provider && r.instance_type === e.instance_type);
      const own = e.is_spot ? row?.spot_per_hour_micros : row?.on_demand_per_hour_micros;
      const rate = e.currency === 'EUR' ? 1 : 1 / USD_PER_EUR;
      expect(e).toMatchObject({
        currency: row?.currency,
        price_per_hour_micros: own,
        cost_p50_micros: (own ?? 0) * HOURS,
        gpu_count: row?.gpu_count,
        price: { per_hour_micros: own, currency: row?.currency, fetched_at: row?.fetched_at, stale: false },
        converted: {
          currency: 'EUR',
          rates_date: e.currency === 'EUR' ? null : '2026-11-20',
          price_per_hour_micros: Math.round((own ?? 0) * rate),
        },
        eligible: true,
      });
      expect(e.converted?.rate).toBeCloseTo(rate, 12);
    }
    expect(new Set(body.estimates.map((e) => e.currency))).toEqual(new Set(['EUR', 'USD']));
    expect(body.rates_date).toBe('2026-11-20');
    expect(pick(body.cheapest)).toEqual(byHand({ spotAllowed: true }));
    expect(body.cheapest).toMatchObject({ provider: 'vastai', instance_type: 'RTX_4090', is_spot: true });
  });

  it('within a region list with spot allowed, the cheapest after conversion wins where raw micros would pick another', async () => {
    const regions = ['fr-par-2', 'eu-frankfurt-1', 'GRA11', 'dc3-a'];

    const body = await estimate(t, { gpu: { count: 1 }, regions, spot_allowed: true });

    const eligible = body.estimates.filter((e) => e.eligible);
    expect(pick(body.cheapest)).toEqual(byHand({ regions, spotAllowed: true }));
    expect(body.cheapest).toMatchObject({ provider: 'oci', currency: 'USD', is_spot: true });
    expect(pick(body.cheapest)).not.toEqual(cheapestByRawMicros(eligible));
    expect(eligible.every((e) => e.region !== null && regions.includes(e.region))).toBe(true);
    expect(body.estimates.find((e) => e.provider === 'lambda_labs')?.excluded_reasons).toEqual([
      `region us-east-1 is not among ${regions.join(', ')}`,
    ]);
    expect(body.estimates.find((e) => e.provider === 'runpod')?.excluded_reasons).toEqual([
      `no region among ${regions.join(', ')}`,
    ]);
  });

  it('with spot not allowed, spot offers are listed with the reason and the cheapest on-demand one in the regions is chosen', async () => {
    const regions = ['fr-par-2', 'eu-frankfurt-1', 'GRA11', 'dc3-a', 'us-east-1'];

    const body = await estimate(t, { gpu: { count: 1 }, regions, spot_allowed: false });

    expect(pick(body.cheapest)).toEqual(byHand({ regions, spotAllowed: false }));
    expect(body.cheapest).toMatchObject({ provider: 'lambda_labs', is_spot: false });
    expect(
      body.estimates
        .filter((e) => e.is_spot)
        .every((e) => !e.eligible && e.excluded_reasons.includes('spot capacity is not allowed')),
    ).toBe(true);
  });

  it('a max hourly price in USD is converted and compared against converted prices', async () => {
    const regions = ['fr-par-2', 'eu-frankfurt-1', 'GRA11', 'dc3-a'];
    const maxUsd = 1.05;

    const body = await estimate(t, {
      gpu: { count: 1 },
      regions,
      max_price_per_hour: { amount: maxUsd, currency: 'USD' },
    });

    const expected = byHand({ regions, spotAllowed: true, maxEurPerHour: maxUsd / USD_PER_EUR });
    expect(pick(body.cheapest)).toEqual(expected);
    expect(expected).toMatchObject({ provider: 'oci', is_spot: true });
    expect(
      body.estimates
        .filter((e) => e.region !== null && regions.includes(e.region) && !e.eligible)
        .every((e) => e.excluded_reasons.some((r) => r.includes('is above the maximum 0.9722 EUR/h'))),
    ).toBe(true);
  });

  it('a GPU model narrows candidates to instance types carrying it, in the requested currency', async () => {
    const body = await estimate(t, { gpu: { type: 'A100', count: 1 }, currency: 'USD' });

    expect(body.estimates.length).toBeGreaterThan(0);
    expect(body.estimates.every((e) => (e.gpu_type ?? '').includes('A100'))).toBe(true);
    expect(body.estimates.every((e) => e.converted?.currency === 'USD')).toBe(true);
    expect(pick(body.cheapest)).toEqual(byHand({ gpuType: 'A100', spotAllowed: true }));
    expect(body.cheapest).toMatchObject({ provider: 'runpod', is_spot: true });
  });

  it('a provider allow-list limits the candidates', async () => {
    const body = await estimate(t, { gpu: { count: 1 }, providers: ['ovh', 'scaleway'] });

    expect([...new Set(body.estimates.map((e) => e.provider))].sort()).toEqual(['ovh', 'scaleway']);
    const allowed = rows.filter((r) => ['ovh', 'scaleway'].includes(r.provider));
    expect(pick(body.cheapest)).toEqual(byHand({ spotAllowed: true }, allowed));
    expect(body.cheapest).toMatchObject({ provider: 'scaleway', instance_type: 'GPU-3070-S' });
  });

  it('prices in a currency the rate table lacks are listed with the reason and never chosen', async () => {
    const body = await estimate(noUsd, { gpu: { count: 1 } });

    const usd = body.estimates.filter((e) => e.currency === 'USD');
    expect(usd.length).toBeGreaterThan(0);
    expect(
      usd.every(
        (e) =>
          !e.eligible &&
          e.converted === null &&
          e.excluded_reasons.includes('no exchange rate from USD to EUR in ARTENIC_FX__RATES'),
      ),
    ).toBe(true);
    expect(body.cheapest?.currency).toBe('EUR');
    const eurRows = rows.filter((r) => r.currency === 'EUR');
    expect(pick(body.cheapest)).toEqual(byHand({ spotAllowed: true }, eurRows));
    expect(body.cheapest).toMatchObject({ provider: 'scaleway', converted: { rates_date: null } });
  });
});
