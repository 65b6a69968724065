import { loadConfig } from '@app/config/config.loader';
import { LambdaLabsProvider } from '@app/providers/lambda-labs/lambda-labs.provider';
import { FakeLambdaLabs } from './fakes/lambda-labs/fake-lambda-labs';
import {
  describeCloudConformance,
  launchSpec,
  startStorage,
  type Storage,
} from './fakes/rest-cloud/provider-conformance';

async function lambda(storage: Storage) {
  const fake = new FakeLambdaLabs('lambda-key');
  await fake.start();
  const config = loadConfig({
    ARTENIC_LAMBDA_LABS__ENABLED: 'true',
    ARTENIC_LAMBDA_LABS__API_KEY: 'lambda-key',
    ARTENIC_LAMBDA_LABS__API_URL: fake.apiUrl,
    ARTENIC_LAMBDA_LABS__SSH_KEY_NAME: 'ops',
    ...storage.env('LAMBDA_LABS'),
  });
  return { fake, provider: new LambdaLabsProvider(config.lambda_labs) };
}

describeCloudConformance(
  'Lambda Labs',
  async (storage) => {
    const { fake, provider } = await lambda(storage);
    return {
      provider,
      resources: () => fake.instances.size,
      failNext: (n, reply) => fake.http.failNext(n, reply),
      instanceType: 'gpu_1x_a10',
      close: () => fake.stop(),
    };
  },
  { spot: false },
);

describe('Lambda Labs: launch request and prices', () => {
  let storage: Storage;
  beforeAll(async () => (storage = await startStorage()));
  afterAll(async () => {
    storage.s3.destroy();
    await storage.moto.stop();
  });

  it('launches with the training script as cloud-init user data (the command is actually run)', async () => {
    const { fake, provider } = await lambda(storage);

    await provider.provision(
      launchSpec({ instance_type: 'gpu_1x_a10', command: ['python3', 'train.py', '--epochs', '3'] }),
    );
    const body = fake.http.requests.find((r) => r.path.endsWith('/launch'))!.body as Record<string, unknown>;
    await fake.stop();

    expect(body).toMatchObject({
      region_name: 'us-east-1',
      instance_type_name: 'gpu_1x_a10',
      ssh_key_names: ['ops'],
    });
    expect(String(body.user_data)).toContain("'python3' 'train.py' '--epochs' '3'");
  });

  it('reports USD prices per region with capacity, not EUR', async () => {
    const { fake, provider } = await lambda(storage);

    const prices = await provider.prices();
    await fake.stop();

    expect(prices).toEqual([
      expect.objectContaining({
        instance_type: 'gpu_1x_a10',
        region: 'us-east-1',
        currency: 'USD',
        on_demand_per_hour_micros: 750_000,
        gpu_type: 'A10',
        gpu_count: 1,
      }),
    ]);
  });
});
