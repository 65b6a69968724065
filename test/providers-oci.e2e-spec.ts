import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from '@app/config/config.loader';
import { OciProvider } from '@app/providers/oci/oci.provider';
import { FakeOci } from './fakes/oci/fake-oci';
import {
  describeCloudConformance,
  launchSpec,
  startStorage,
  type Storage,
} from './fakes/rest-cloud/provider-conformance';

const SHAPES = JSON.stringify({
  'VM.Standard.E4.Flex': {
    ocpus: 4,
    memory_gb: 64,
    gpus: 0,
    parts: [
      { part: 'B93113', per: 'ocpu' },
      { part: 'B93114', per: 'memory_gb' },
    ],
  },
  'VM.GPU.A10.1': {
    ocpus: 15,
    memory_gb: 240,
    gpus: 1,
    gpu_type: 'A10',
    parts: [{ part: 'B95909', per: 'gpu' }],
  },
  'VM.GPU.Retired': { ocpus: 1, gpus: 1, parts: [{ part: 'GONE', per: 'gpu' }] },
});

async function oci(storage: Storage, privateKey?: string) {
  const fake = new FakeOci();
  await fake.start();
  const config = loadConfig({
    ARTENIC_OCI__ENABLED: 'true',
    ARTENIC_OCI__TENANCY_OCID: 'ocid1.tenancy.oc1..t',
    ARTENIC_OCI__USER_OCID: 'ocid1.user.oc1..u',
    ARTENIC_OCI__FINGERPRINT: '20:3b:97:13',
    ARTENIC_OCI__PRIVATE_KEY: privateKey ?? fake.keys.privateKeyPem,
    ARTENIC_OCI__COMPARTMENT_ID: 'ocid1.compartment.oc1..c',
    ARTENIC_OCI__AVAILABILITY_DOMAIN: 'Uocm:EU-FRANKFURT-1-AD-1',
    ARTENIC_OCI__SUBNET_ID: 'ocid1.subnet.oc1..s',
    ARTENIC_OCI__IMAGE_ID: 'ocid1.image.oc1..ubuntu',
    ARTENIC_OCI__API_URL: fake.apiUrl,
    ARTENIC_OCI__PRICE_LIST_URL: `${fake.apiUrl}/prices/`,
    ARTENIC_OCI__SHAPE_PRICES: SHAPES,
    ...storage.env('OCI'),
  });
  return { fake, provider: new OciProvider(config.oci) };
}

describeCloudConformance(
  'OCI',
  async (storage) => {
    const { fake, provider } = await oci(storage);
    return {
      provider,
      resources: () => fake.live,
      failNext: (n, reply) => fake.http.failNext(n, reply),
      preempt: (handle) => fake.preempt(handle.provider_job_id),
      instanceType: 'VM.Standard.E4.Flex',
      close: () => fake.stop(),
    };
  },
  { spot: true },
);

describe('OCI: request signing, launch body, price list', () => {
  let storage: Storage;
  beforeAll(async () => (storage = await startStorage()));
  afterAll(async () => {
    storage.s3.destroy();
    await storage.moto.stop();
  });

  it('signs GET and POST requests so that the service verifies them with the public key', async () => {
    const { fake, provider } = await oci(storage);

    await provider.provision(
      launchSpec({ instance_type: 'VM.Standard.E4.Flex', spot: true, command: ['true'] }),
    );
    const post = fake.http.requests.find((r) => r.method === 'POST')!;
    const verdicts = fake.http.requests.map((r) => fake.verifySignature(r));
    await fake.stop();

    expect(verdicts.every((v) => v === null)).toBe(true);
    expect(String(post.headers.authorization)).toMatch(
      /^Signature version="1",keyId="ocid1\.tenancy\.oc1\.\.t\/ocid1\.user\.oc1\.\.u\/20:3b:97:13",algorithm="rsa-sha256",headers="\(request-target\) date host x-content-sha256 content-type content-length",signature="[A-Za-z0-9+/=]+"$/,
    );
    expect(post.body).toMatchObject({
      shapeConfig: { ocpus: 4, memoryInGBs: 64 },
      preemptibleInstanceConfig: { preemptionAction: { type: 'TERMINATE', preserveBootVolume: false } },
      createVnicDetails: { subnetId: 'ocid1.subnet.oc1..s' },
    });
    expect(
      Buffer.from((post.body as { metadata: { user_data: string } }).metadata.user_data, 'base64').toString(),
    ).toMatch(/^#!\/bin\/bash/);
    expect(post.headers['opc-retry-token']).toHaveLength(64);
  });

  it('a request signed with another key is refused with NotAuthenticated and reported', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const { fake, provider } = await oci(storage, other);

    const error = (await provider
      .provision(launchSpec({ instance_type: 'VM.Standard.E4.Flex' }))
      .catch((e: unknown) => e)) as Error;
    await fake.stop();

    expect(error.message).toMatch(/401.*authentication/);
  });

  it('prices shapes from the price list parts, preemptible at half price, and skips shapes whose parts are gone', async () => {
    const { fake, provider } = await oci(storage);

    const prices = await provider.prices();
    await fake.stop();

    expect(
      prices.map((p) => [p.instance_type, p.currency, p.on_demand_per_hour_micros, p.spot_per_hour_micros]),
    ).toEqual([
      ['VM.Standard.E4.Flex', 'USD', 196_000, 98_000],
      ['VM.GPU.A10.1', 'USD', 2_000_000, 1_000_000],
    ]);
  });
});
