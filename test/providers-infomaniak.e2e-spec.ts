import { loadConfig } from '@app/config/config.loader';
import { createInfomaniakProvider } from '@app/providers/infomaniak/infomaniak.provider';
import { FakeOpenStack } from './fakes/openstack/fake-openstack';
import { describeCloudConformance } from './fakes/rest-cloud/provider-conformance';

async function infomaniak(extra: Record<string, string> = {}) {
  const fake = new FakeOpenStack(
    { name: 'ik-user', password: 'ik-pw', project_id: 'p123' },
    { 'b2-7': 0.05, 'l40s-90': 2.1 },
  );
  fake.region = 'dc3-a';
  await fake.start();
  const config = loadConfig({
    ARTENIC_INFOMANIAK__ENABLED: 'true',
    ARTENIC_INFOMANIAK__AUTH_URL: fake.authUrl,
    ARTENIC_INFOMANIAK__USERNAME: 'ik-user',
    ARTENIC_INFOMANIAK__PASSWORD: 'ik-pw',
    ARTENIC_INFOMANIAK__PROJECT_ID: 'p123',
    ARTENIC_INFOMANIAK__TEMP_URL_KEY: 'ik-tempurl',
    ARTENIC_INFOMANIAK__IMAGE_ID: 'img-ubuntu',
    ARTENIC_INFOMANIAK__NETWORK_ID: 'net-ext',
    ARTENIC_INFOMANIAK__PRICE_LIST: '{"b2-7": 0.0417}',
    ...extra,
  });
  return { fake, provider: createInfomaniakProvider(config.infomaniak) };
}

describeCloudConformance(
  'Infomaniak (OpenStack)',
  async () => {
    const { fake, provider } = await infomaniak();
    return {
      provider,
      resources: () => fake.servers.size,
      failNext: (n, reply) => fake.http.failNext(n, reply),
      instanceType: 'b2-7',
      close: () => fake.stop(),
    };
  },
  { spot: false },
);

describe('Infomaniak: prices', () => {
  it('prices flavors from the configured EUR price list; unpriced flavors are left out, never priced 0', async () => {
    const { fake, provider } = await infomaniak();

    const prices = await provider.prices();
    await fake.stop();

    expect(prices).toEqual([
      expect.objectContaining({
        provider: 'infomaniak',
        instance_type: 'b2-7',
        region: 'dc3-a',
        currency: 'EUR',
        on_demand_per_hour_micros: 41_700,
      }),
    ]);
  });

  it('reads the price list from a URL when one is configured', async () => {
    const { fake } = await infomaniak();
    const withUrl = createInfomaniakProvider(
      loadConfig({
        ARTENIC_INFOMANIAK__AUTH_URL: fake.authUrl,
        ARTENIC_INFOMANIAK__USERNAME: 'ik-user',
        ARTENIC_INFOMANIAK__PASSWORD: 'ik-pw',
        ARTENIC_INFOMANIAK__PROJECT_ID: 'p123',
        ARTENIC_INFOMANIAK__PRICE_CATALOG_URL: `${fake.http.url}/catalog`,
      }).infomaniak,
    );

    const prices = await withUrl.prices();
    await fake.stop();

    expect(prices.map((p) => [p.instance_type, p.on_demand_per_hour_micros, p.gpu_type])).toEqual([
      ['b2-7', 50_000, null],
      ['l40s-90', 2_100_000, 'L40S'],
    ]);
  });
});
