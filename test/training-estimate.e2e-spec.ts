import { DataSource } from 'typeorm';
import { TrainingAttemptEntity } from '@app/training/training-attempt.entity';
import { startApp, type TestApp } from './support/test-app';
import { trainingClient } from './training-support';

jest.setTimeout(30_000);

interface Estimate {
  provider: string;
  instance_type: string | null;
  region: string | null;
  is_spot: boolean;
  gpu_type: string | null;
  gpu_count: number;
  currency: string;
  price_per_hour_micros: number;
  cost_p50_micros: number;
  price: { per_hour_micros: number; currency: string; fetched_at: string; stale: boolean } | null;
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

interface EstimateBody {
  currency: string;
  rates_date: string | null;
  estimates: Estimate[];
  cheapest: Estimate | null;
  providers: Array<{ provider: string; candidates: number; note: string | null }>;
  error: { code: string; message: string; details: { field?: string; errors: Array<{ loc: string[] }> } };
}

const FX = { base: 'EUR', date: '2026-11-20', rates: { USD: 1.08 } };

/** Only the built-in providers: mock (three instance types, one A100) and local (this machine, free). */
describe('POST /api/v1/training/estimate with the mock and local providers', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      env: { ARTENIC_FX__RATES: JSON.stringify(FX), ARTENIC_TRAINING__POLL_INTERVAL_MS: '3600000' },
    });
  });
  afterAll(() => t.close());

  const estimate = async (body: Record<string, unknown>) => {
    const res = await t
      .http()
      .post('/api/v1/training/estimate')
      .send({ service: 'est', model: 'm', max_runtime_hours: 2, ...body });
    return { status: res.status, body: res.body as EstimateBody };
  };

  it('one A100: only the mock A100 is a candidate (on-demand and spot), spot is cheapest, local says why it has none', async () => {
    const res = await estimate({ gpu: { type: 'A100', count: 1 } });

    expect(res.status).toBe(200);
    expect(res.body.estimates.map((e) => [e.instance_type, e.is_spot])).toEqual([
      ['mock-gpu-a100', true],
      ['mock-gpu-a100', false],
    ]);
    expect(res.body.cheapest).toMatchObject({
      provider: 'mock',
      is_spot: true,
      gpu_type: 'A100',
      price_per_hour_micros: 750_000,
      cost_p50_micros: 1_500_000,
      price: { currency: 'EUR', stale: false },
      converted: { currency: 'EUR', rate: 1, rates_date: null, cost_p50_micros: 1_500_000 },
      eligible: true,
    });
    expect(res.body.cheapest?.price?.fetched_at).toMatch(/Z$/);
    expect(res.body.providers).toEqual([
      { provider: 'local', candidates: 0, eligible: 0, note: 'no catalogued instance type offers 1 × A100' },
      { provider: 'mock', candidates: 2, eligible: 2, note: null },
    ]);
  });

  it('without a GPU request every catalogued type is a candidate and the free local machine is cheapest', async () => {
    const res = await estimate({});

    expect(res.body.estimates).toHaveLength(5);
    expect(res.body.cheapest).toMatchObject({
      provider: 'local',
      instance_type: 'local-cpu',
      cost_p50_micros: 0,
    });
  });

  it('spot not allowed: the spot A100 is listed with the reason and the on-demand one is chosen', async () => {
    const res = await estimate({ gpu: { type: 'A100', count: 1 }, spot_allowed: false });

    const spot = res.body.estimates.find((e) => e.is_spot);
    expect(res.body.cheapest).toMatchObject({ is_spot: false, price_per_hour_micros: 2_500_000 });
    expect(spot).toMatchObject({ eligible: false, excluded_reasons: ['spot capacity is not allowed'] });
  });

  it('a max hourly price in another currency is converted before comparing', async () => {
    const res = await estimate({
      gpu: { count: 1 },
      max_price_per_hour: { amount: 2, currency: 'USD' }, // 1.851852 EUR: the 2.50 EUR on-demand A100 is above
    });

    const onDemand = res.body.estimates.find((e) => !e.is_spot);
    expect(res.body.cheapest).toMatchObject({ is_spot: true });
    expect(onDemand?.eligible).toBe(false);
    expect(onDemand?.excluded_reasons).toEqual(['2.5000 EUR/h is above the maximum 1.8519 EUR/h']);
  });

  it('costs are converted into the requested currency with the rate table’s date', async () => {
    const res = await estimate({ gpu: { count: 1 }, currency: 'USD', spot_allowed: false });

    expect(res.body.currency).toBe('USD');
    expect(res.body.rates_date).toBe('2026-11-20');
    expect(res.body.cheapest).toMatchObject({
      currency: 'EUR',
      price_per_hour_micros: 2_500_000,
      converted: { currency: 'USD', rate: 1.08, rates_date: '2026-11-20', price_per_hour_micros: 2_700_000 },
    });
  });

  it('a region-less price counts in each requested region the provider serves; other regions are excluded', async () => {
    const res = await estimate({ regions: ['mock-region-2', 'elsewhere'] });

    const local = res.body.estimates.find((e) => e.provider === 'local');
    expect(res.body.cheapest).toMatchObject({
      provider: 'mock',
      instance_type: 'mock-cpu-small',
      region: 'mock-region-2',
    });
    expect(local).toMatchObject({
      eligible: false,
      excluded_reasons: ['region local is not among mock-region-2, elsewhere'],
    });
  });

  it('refuses what cannot be answered: a currency without a rate, an unknown provider, a malformed GPU request', async () => {
    const currency = await estimate({ currency: 'CHF' });
    const limit = await estimate({ max_price_per_hour: { amount: 1, currency: 'CHF' } });
    const provider = await estimate({ providers: ['nope'] });
    const gpu = await estimate({ gpu: { type: 'A100', count: 0 } });

    expect([currency.status, limit.status, provider.status, gpu.status]).toEqual([400, 400, 400, 400]);
    expect(currency.body).toMatchObject({
      error: { code: 'NO_EXCHANGE_RATE', details: { field: 'currency' } },
    });
    expect(limit.body).toMatchObject({ error: { details: { field: 'max_price_per_hour.currency' } } });
    expect(provider.body.error.message).toContain('Enabled providers: local, mock');
    expect(gpu.body.error.details.errors[0]?.loc).toEqual(['body', 'gpu', 'count']);
  });
});

describe('a GPU request on dispatch', () => {
  let t: TestApp;
  let c: ReturnType<typeof trainingClient>;

  beforeAll(async () => {
    t = await startApp({
      env: { ARTENIC_TRAINING__POLL_INTERVAL_MS: '3600000', ARTENIC_TRAINING__STATUS_INTERVAL_SECONDS: '0' },
    });
    c = trainingClient(t);
  });
  afterAll(() => t.close());

  it('without an instance type picks the cheapest one offering the GPUs, and the provider receives the request', async () => {
    const res = await c.dispatch({
      gpu: { type: 'A100', count: 1 },
      config: { mock: { duration_seconds: 0.2 } },
    });
    const done = await c.until(res.body.job_id, 'completed');

    const attempt = await t.app
      .get(DataSource)
      .getRepository(TrainingAttemptEntity)
      .findOneByOrFail({ job_id: done.id, attempt: 1 });
    expect(res.status).toBe(200);
    expect(res.body.prediction).toMatchObject({ price_per_hour_micros: 2_500_000, price_known: true });
    expect(done).toMatchObject({ instance_type: 'mock-gpu-a100', gpu: { type: 'A100', count: 1 } });
    expect(attempt.handle?.state.gpu).toEqual({ type: 'A100', count: 1 });
  });

  it('without a GPU request the provider is told so', async () => {
    const res = await c.dispatch({ config: { mock: { duration_seconds: 0.2 } } });
    const done = await c.until(res.body.job_id, 'completed');

    const attempt = await t.app
      .get(DataSource)
      .getRepository(TrainingAttemptEntity)
      .findOneByOrFail({ job_id: done.id, attempt: 1 });
    expect(attempt.handle?.state.gpu).toEqual({ type: null, count: 0 });
  });

  it('refuses GPUs the instance type, the catalogue or the provider cannot give, naming the field', async () => {
    const wrongType = await c.dispatch({ instance_type: 'mock-cpu-small', gpu: { count: 1 } });
    const noneSuch = await c.dispatch({ gpu: { type: 'H100', count: 1 } });
    const tooMany = await c.dispatch({ gpu: { type: 'A100', count: 2 } });
    const local = await c.dispatch({ provider: 'local', config: { command: ['true'] }, gpu: { count: 1 } });
    const malformed = await c.dispatch({ gpu: { type: 'A100', count: 1.5 } });
    const missing = await c.dispatch({ gpu: { type: 'A100' } });

    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toMatchObject({
      code: 'GPU_UNSATISFIED',
      message: 'gpu: mock-cpu-small on mock offers 0 × no GPU, 1 GPU requested.',
    });
    expect(noneSuch.body.error).toMatchObject({
      code: 'GPU_UNAVAILABLE',
      details: { offered: ['1 × A100'] },
    });
    expect(tooMany.body.error.code).toBe('GPU_UNAVAILABLE');
    expect(local.body.error).toMatchObject({ code: 'GPU_UNSUPPORTED', details: { field: 'gpu' } });
    expect([malformed.status, missing.status]).toEqual([400, 400]);
    expect(malformed.body.error.details.errors[0].loc).toEqual(['body', 'gpu', 'count']);
    expect(missing.body.error.details.errors[0].loc).toEqual(['body', 'gpu', 'count']);
  });
});
