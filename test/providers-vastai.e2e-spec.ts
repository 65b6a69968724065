import { loadConfig } from '@app/config/config.loader';
import { VastAiProvider } from '@app/providers/vastai/vastai.provider';
import { FakeVastAi } from './fakes/vastai/fake-vastai';
import {
  describeCloudConformance,
  launchSpec,
  startStorage,
  type Storage,
} from './fakes/rest-cloud/provider-conformance';

async function vast(storage: Storage) {
  const fake = new FakeVastAi('vast-key');
  await fake.start();
  const config = loadConfig({
    ARTENIC_VASTAI__ENABLED: 'true',
    ARTENIC_VASTAI__API_KEY: 'vast-key',
    ARTENIC_VASTAI__API_URL: fake.apiUrl,
    ARTENIC_VASTAI__MAX_PRICE_PER_HOUR: '3',
    ...storage.env('VASTAI'),
  });
  return { fake, provider: new VastAiProvider(config.vastai) };
}

describeCloudConformance(
  'Vast.ai',
  async (storage) => {
    const { fake, provider } = await vast(storage);
    return {
      provider,
      resources: () => fake.instances.size,
      failNext: (n, reply) => fake.http.failNext(n, reply),
      preempt: (handle) => fake.outbid(Number(handle.provider_job_id)),
      instanceType: 'RTX_4090',
      close: () => fake.stop(),
    };
  },
  { spot: true },
);

describe('Vast.ai: offers and bids', () => {
  let storage: Storage;
  beforeAll(async () => (storage = await startStorage()));
  afterAll(async () => {
    storage.s3.destroy();
    await storage.moto.stop();
  });

  it('rents the cheapest matching offer; an interruptible launch bids the minimum bid', async () => {
    const { fake, provider } = await vast(storage);

    const handle = await provider.provision(
      launchSpec({ instance_type: 'RTX_4090', spot: true, command: ['true'] }),
    );
    const rent = fake.http.requests.find((r) => r.method === 'PUT')!;
    await fake.stop();

    expect(rent.path).toBe('/api/v0/asks/501/');
    expect(rent.body).toMatchObject({
      client_id: 'me',
      price: 0.21,
      runtype: 'ssh',
      label: `artenic-${handle.job_id}-1`,
    });
    expect(handle.state).toMatchObject({ offer_id: 501 });
  });

  it('prices are USD per GPU model, with the minimum bid as the interruptible price', async () => {
    const { fake, provider } = await vast(storage);

    const prices = await provider.prices();
    await fake.stop();

    expect(prices.find((p) => p.instance_type === 'RTX_4090')).toMatchObject({
      currency: 'USD',
      on_demand_per_hour_micros: 420_000,
      spot_per_hour_micros: 210_000,
      gpu_count: 1,
    });
  });
});
