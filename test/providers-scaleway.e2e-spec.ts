import { loadConfig } from '@app/config/config.loader';
import { ScalewayProvider } from '@app/providers/scaleway/scaleway.provider';
import { FakeScaleway } from './fakes/scaleway/fake-scaleway';
import {
  describeCloudConformance,
  eventuallyRunning,
  launchSpec,
  startStorage,
  type Storage,
} from './fakes/rest-cloud/provider-conformance';

async function scaleway(storage: Storage) {
  const fake = new FakeScaleway('scw-secret');
  await fake.start();
  const config = loadConfig({
    ARTENIC_SCALEWAY__ENABLED: 'true',
    ARTENIC_SCALEWAY__SECRET_KEY: 'scw-secret',
    ARTENIC_SCALEWAY__PROJECT_ID: 'proj-1',
    ARTENIC_SCALEWAY__IMAGE_ID: 'img-ubuntu',
    ARTENIC_SCALEWAY__API_URL: fake.apiUrl,
    ARTENIC_SCALEWAY__CATALOG_URL: `${fake.apiUrl}/product-catalog/v2alpha1/public-catalog/products`,
    ...storage.env('SCALEWAY'),
  });
  return { fake, provider: new ScalewayProvider(config.scaleway) };
}

describeCloudConformance(
  'Scaleway',
  async (storage) => {
    const { fake, provider } = await scaleway(storage);
    return {
      provider,
      resources: () => fake.resources,
      failNext: (n, reply) => fake.http.failNext(n, reply),
      instanceType: 'GPU-3070-S',
      close: () => fake.stop(),
    };
  },
  { spot: false },
);

describe('Scaleway: cloud-init, teardown of a stopped server, catalog prices', () => {
  let storage: Storage;
  beforeAll(async () => (storage = await startStorage()));
  afterAll(async () => {
    storage.s3.destroy();
    await storage.moto.stop();
  });

  it('sets the bootstrap as cloud-init before powering on; a finished (stopped) server and its volume are deleted', async () => {
    const { fake, provider } = await scaleway(storage);
    const handle = await provider.provision(launchSpec({ instance_type: 'GPU-3070-S', command: ['true'] }));
    await eventuallyRunning(provider, handle);
    const order = fake.http.requests
      .filter((r) => r.method !== 'GET')
      .map((r) => `${r.method} ${r.path.split('/').pop()}`);
    fake.servers.get(handle.provider_job_id)!.state = 'stopped';

    await provider.teardown(handle);
    const left = fake.resources;
    await fake.stop();

    expect(order.slice(0, 3)).toEqual(['POST servers', 'PATCH cloud-init', 'POST action']);
    expect(left).toBe(0);
  });

  it('reads EUR prices, vCPUs, memory and GPUs from the product catalog', async () => {
    const { fake, provider } = await scaleway(storage);

    const prices = await provider.prices();
    await fake.stop();

    expect(prices.find((p) => p.instance_type === 'GPU-3070-S')).toMatchObject({
      region: 'fr-par-2',
      currency: 'EUR',
      on_demand_per_hour_micros: 980_000,
      gpu_type: 'RTX 3070',
      gpu_count: 1,
      vcpus: 8,
      memory_gb: 16,
    });
    expect(prices.find((p) => p.instance_type === 'DEV1-S')?.on_demand_per_hour_micros).toBe(8_800);
  });
});
