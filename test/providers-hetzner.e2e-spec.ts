import { loadConfig } from '@app/config/config.loader';
import { HetznerProvider } from '@app/providers/hetzner/hetzner.provider';
import { FakeHetzner } from './fakes/hetzner/fake-hetzner';
import {
  describeCloudConformance,
  startStorage,
  type Storage,
} from './fakes/rest-cloud/provider-conformance';

async function hetzner(storage: Storage, token = 'hz-token') {
  const fake = new FakeHetzner('hz-token');
  await fake.start();
  const config = loadConfig({
    ARTENIC_HETZNER__ENABLED: 'true',
    ARTENIC_HETZNER__API_KEY: token,
    ARTENIC_HETZNER__API_URL: fake.apiUrl,
    ARTENIC_HETZNER__REQUEST_TIMEOUT_MS: '5000',
    ...storage.env('HETZNER'),
  });
  return { fake, provider: new HetznerProvider(config.hetzner) };
}

describeCloudConformance(
  'Hetzner',
  async (storage) => {
    const { fake, provider } = await hetzner(storage);
    return {
      provider,
      resources: () => fake.servers.size,
      failNext: (n, reply) => fake.http.failNext(n, reply),
      instanceType: 'cx22',
      close: () => fake.stop(),
    };
  },
  { spot: false },
);

describe('Hetzner: prices and authentication', () => {
  let storage: Storage;
  beforeAll(async () => (storage = await startStorage()));
  afterAll(async () => {
    storage.s3.destroy();
    await storage.moto.stop();
  });

  it('reads net hourly EUR prices per location from server_types', async () => {
    const { fake, provider } = await hetzner(storage);

    const prices = await provider.prices();
    await fake.stop();

    const cx22 = prices.find((p) => p.instance_type === 'cx22' && p.region === 'fsn1');
    expect(cx22).toMatchObject({
      currency: 'EUR',
      on_demand_per_hour_micros: 6000,
      spot_per_hour_micros: null,
      vcpus: 2,
      memory_gb: 4,
    });
    expect(cx22?.fetched_at).toBeInstanceOf(Date);
  });

  it('a wrong token is reported with the API message, not retried', async () => {
    const { fake, provider } = await hetzner(storage, 'wrong');

    const error = (await provider.prices().catch((e: unknown) => e)) as Error;
    await fake.stop();

    expect(error.message).toMatch(/401.*unable to authenticate/);
    expect(fake.http.requests).toHaveLength(1);
  });

  it('sends the user data as plain cloud-init text with job labels', async () => {
    const { fake, provider } = await hetzner(storage);

    await provider.provision({
      ...(await import('./fakes/rest-cloud/provider-conformance')).launchSpec({
        instance_type: 'cx22',
        command: ['true'],
      }),
    });
    const create = fake.http.requests.find((r) => r.method === 'POST')!.body as Record<string, unknown>;
    await fake.stop();

    expect(String(create.user_data)).toMatch(/^#!\/bin\/bash/);
    expect(create.labels).toMatchObject({ 'managed-by': 'artenic', 'artenic-attempt': '1' });
    expect(create.location).toBe('fsn1');
  });
});
