import { loadConfig } from '@app/config/config.loader';
import { RunpodProvider } from '@app/providers/runpod/runpod.provider';
import { FakeRunpod } from './fakes/runpod/fake-runpod';
import {
  describeCloudConformance,
  launchSpec,
  startStorage,
  type Storage,
} from './fakes/rest-cloud/provider-conformance';

async function runpod(storage: Storage) {
  const fake = new FakeRunpod('rp-key');
  await fake.start();
  const config = loadConfig({
    ARTENIC_RUNPOD__ENABLED: 'true',
    ARTENIC_RUNPOD__API_KEY: 'rp-key',
    ARTENIC_RUNPOD__API_URL: fake.apiUrl,
    ...storage.env('RUNPOD'),
  });
  return { fake, provider: new RunpodProvider(config.runpod) };
}

describeCloudConformance(
  'RunPod',
  async (storage) => {
    const { fake, provider } = await runpod(storage);
    return {
      provider,
      resources: () => fake.live,
      failNext: (n, reply) => fake.http.failNext(n, reply),
      preempt: (handle) => fake.interrupt(handle.provider_job_id),
      instanceType: 'NVIDIA RTX A6000',
      close: () => fake.stop(),
    };
  },
  { spot: true },
);

describe('RunPod: GraphQL requests and prices', () => {
  let storage: Storage;
  beforeAll(async () => (storage = await startStorage()));
  afterAll(async () => {
    storage.s3.destroy();
    await storage.moto.stop();
  });

  it('spot rents an interruptible pod bidding at least the minimum bid; the container command is well-formed', async () => {
    const { fake, provider } = await runpod(storage);

    await provider.provision(
      launchSpec({ instance_type: 'NVIDIA RTX A6000', spot: true, command: ['true'] }),
    );
    const rent = fake.http.requests.find((r) => JSON.stringify(r.body).includes('podRentInterruptable'))!;
    await fake.stop();

    const input = (rent.body as { variables: { input: Record<string, unknown> } }).variables.input;
    expect(input.bidPerGpu).toBeCloseTo(0.294, 3);
    expect(input.dockerArgs).toMatch(/^bash -c '.*'$/);
    expect(rent.query.has('api_key')).toBe(false);
  });

  it('a GraphQL error is reported with its message', async () => {
    const { fake, provider } = await runpod(storage);

    const error = (await provider
      .provision(launchSpec({ instance_type: 'NVIDIA H200' }))
      .catch((e: unknown) => e)) as Error;
    await fake.stop();

    expect(error.message).toMatch(/no longer any instances available/);
  });

  it('prices are USD, with the minimum bid as the interruptible price', async () => {
    const { fake, provider } = await runpod(storage);

    const prices = await provider.prices();
    await fake.stop();

    expect(prices[0]).toMatchObject({
      instance_type: 'NVIDIA RTX A6000',
      currency: 'USD',
      on_demand_per_hour_micros: 490_000,
      spot_per_hour_micros: 250_000,
    });
  });
});
