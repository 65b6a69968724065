import { loadConfig } from '@app/config/config.loader';
import { createOvhProvider } from '@app/providers/ovh/ovh.provider';
import { FakeOpenStack } from './fakes/openstack/fake-openstack';
import { describeCloudConformance, launchSpec } from './fakes/rest-cloud/provider-conformance';

/** The public order catalog's shape: hourly flavors are `<flavor>.consumption` add-ons, prices in 10⁻⁸ EUR. */
const CATALOG = {
  catalogId: 1,
  locale: { currencyCode: 'EUR', subsidiary: 'FR', taxRate: 20 },
  plans: [],
  addons: [
    {
      planCode: 'b2-7.consumption',
      invoiceName: 'b2-7',
      product: 'publiccloud-instance-b2-7',
      pricings: [{ price: 6_810_000, intervalUnit: 'hour', capacities: ['consumption'] }],
    },
    {
      planCode: 'b2-7.monthly',
      invoiceName: 'b2-7',
      pricings: [{ price: 2_480_000_000, intervalUnit: 'month' }],
    },
    {
      planCode: 'l40s-90.consumption',
      invoiceName: 'l40s-90',
      pricings: [{ price: 140_000_000, intervalUnit: 'hour' }],
    },
  ],
};

async function ovh(extra: Record<string, string> = {}) {
  const fake = new FakeOpenStack({ name: 'user-ovh', password: 'pw', project_id: 'p123' }, CATALOG);
  await fake.start();
  const config = loadConfig({
    ARTENIC_OVH__ENABLED: 'true',
    ARTENIC_OVH__AUTH_URL: fake.authUrl,
    ARTENIC_OVH__USERNAME: 'user-ovh',
    ARTENIC_OVH__PASSWORD: 'pw',
    ARTENIC_OVH__PROJECT_ID: 'p123',
    ARTENIC_OVH__TEMP_URL_KEY: 'tempurl-secret',
    ARTENIC_OVH__PRICE_CATALOG_URL: `${fake.http.url}/catalog`,
    ...extra,
  });
  return { fake, provider: createOvhProvider(config.ovh) };
}

describeCloudConformance(
  'OVH (OpenStack)',
  async () => {
    const { fake, provider } = await ovh();
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

describe('OVH: Keystone, Swift Temp URLs, catalog prices, presets', () => {
  it('setting one nested variable keeps the other presets (the reference reset them all)', () => {
    const config = loadConfig({ ARTENIC_OVH__REGION: 'SBG5' });

    expect(config.ovh).toMatchObject({
      region: 'SBG5',
      auth_url: 'https://auth.cloud.ovh.net/v3',
      default_flavor: 'b2-30',
      network_name: 'Ext-Net',
      image_name: 'Ubuntu 22.04',
    });
    expect(config.infomaniak.auth_url).toBe('https://api.pub1.infomaniak.cloud/identity/v3');
  });

  it('the machine writes its results through Temp URLs only: no credential in the user data', async () => {
    const { fake, provider } = await ovh();

    const handle = await provider.provision(
      launchSpec({
        instance_type: 'b2-7',
        command: ['bash', '-c', 'echo ok > "$ARTENIC_OUTPUT_DIR/done.txt"'],
      }),
    );
    const create = fake.http.requests.find((r) => r.method === 'POST' && r.path.endsWith('/servers'))!;
    const userData = Buffer.from(
      (create.body as { server: { user_data: string } }).server.user_data,
      'base64',
    ).toString();
    const status = await (async () => {
      for (;;) {
        const s = await provider.status(handle);
        if (s.state !== 'running' && s.state !== 'provisioning') return s;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const objects = [...fake.objects.keys()];
    await provider.teardown(handle);
    const left = fake.objects.size;
    await fake.stop();

    expect(status.state).toBe('succeeded');
    expect(userData).not.toContain('pw');
    expect(userData).toContain('temp_url_sig');
    expect(create.body).toMatchObject({
      server: { flavorRef: 'f-b2-7', imageRef: 'img-ubuntu', networks: [{ uuid: 'net-ext' }] },
    });
    expect(objects).toContain(`artenic-training/training/${handle.job_id}/attempt-1/output/done.txt`);
    expect(left).toBe(0);
  }, 30_000);

  it('a revoked token is renewed once and the call succeeds', async () => {
    const { fake, provider } = await ovh();
    await provider.prices();
    fake.revokeTokens();

    const handle = await provider.provision(launchSpec({ instance_type: 'b2-7', command: ['true'] }));
    await fake.stop();

    expect(handle.provider_job_id).toBeTruthy();
    expect(fake.http.requests.filter((r) => r.path.endsWith('/auth/tokens'))).toHaveLength(2);
  });

  it('wrong credentials are reported with the Keystone message', async () => {
    const { fake, provider } = await ovh({ ARTENIC_OVH__PASSWORD: 'nope' });

    const error = (await provider.prices().catch((e: unknown) => e)) as Error;
    await fake.stop();

    expect(error.message).toMatch(/401.*requires authentication/);
  });

  it('prices hourly flavors from the public catalog in EUR with the flavor specs; L40S is not L4', async () => {
    const { fake, provider } = await ovh();

    const prices = await provider.prices();
    await fake.stop();

    expect(
      prices.map((p) => [p.instance_type, p.currency, p.on_demand_per_hour_micros, p.gpu_type, p.vcpus]),
    ).toEqual([
      ['b2-7', 'EUR', 68_100, null, 2],
      ['l40s-90', 'EUR', 1_400_000, 'L40S', 15],
    ]);
  });
});
