import { randomBytes } from 'node:crypto';
import { FakeHttpServer, type FakeRequest } from '../rest-cloud/fake-http';
import { FakeMachine } from '../rest-cloud/fake-machine';

interface FakeInstance {
  id: string;
  name: string;
  status: string;
  region: string;
  type: string;
  machine?: FakeMachine;
}

const TYPES = {
  gpu_1x_a10: {
    instance_type: {
      name: 'gpu_1x_a10',
      description: '1x A10 (24 GB PCIe)',
      gpu_description: 'A10 (24 GB PCIe)',
      price_cents_per_hour: 75,
      specs: { vcpus: 30, memory_gib: 200, storage_gib: 1400, gpus: 1 },
    },
    regions_with_capacity_available: [{ name: 'us-east-1', description: 'Virginia, USA' }],
  },
  gpu_8x_h100_sxm5: {
    instance_type: {
      name: 'gpu_8x_h100_sxm5',
      description: '8x H100 (80 GB SXM5)',
      gpu_description: 'H100 (80 GB SXM5)',
      price_cents_per_hour: 2392,
      specs: { vcpus: 208, memory_gib: 1800, storage_gib: 24780, gpus: 8 },
    },
    regions_with_capacity_available: [],
  },
};

/** Lambda Cloud API v1 contract fake: bearer key, `{"data"}` / `{"error":{"code","message"}}` bodies. */
export class FakeLambdaLabs {
  readonly http: FakeHttpServer;
  readonly instances = new Map<string, FakeInstance>();

  constructor(private readonly key: string) {
    this.http = new FakeHttpServer((req) => this.auth(req));
    this.http
      .on('GET', /^\/api\/v1\/instance-types$/, () => ({ status: 200, body: { data: TYPES } }))
      .on('GET', /^\/api\/v1\/instances$/, () => ({
        status: 200,
        body: { data: [...this.instances.values()].map(view) },
      }))
      .on('GET', /^\/api\/v1\/instances\/([^/]+)$/, (_r, [id]) => {
        const i = this.instances.get(id!);
        return i ? { status: 200, body: { data: view(i) } } : notFound();
      })
      .on('POST', /^\/api\/v1\/instance-operations\/launch$/, (req) => this.launch(req))
      .on('POST', /^\/api\/v1\/instance-operations\/terminate$/, (req) => {
        const ids = (req.body as { instance_ids: string[] }).instance_ids;
        const found = ids.map((id) => this.instances.get(id)).filter((i): i is FakeInstance => !!i);
        if (found.length !== ids.length) return notFound();
        for (const i of found) {
          i.machine?.dispose();
          this.instances.delete(i.id);
        }
        return { status: 200, body: { data: { terminated_instances: found.map(view) } } };
      });
  }

  get apiUrl(): string {
    return `${this.http.url}/api/v1`;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    for (const i of this.instances.values()) i.machine?.dispose();
    await this.http.stop();
  }

  private auth(req: FakeRequest) {
    return req.headers.authorization === `Bearer ${this.key}`
      ? null
      : {
          status: 401,
          body: {
            error: { code: 'global/invalid-api-key', message: 'API key was invalid, expired, or deleted.' },
          },
        };
  }

  private launch(req: FakeRequest) {
    const b = req.body as Record<string, unknown>;
    if (!Array.isArray(b.ssh_key_names) || b.ssh_key_names.length !== 1) {
      return {
        status: 400,
        body: { error: { code: 'global/invalid-parameters', message: 'ssh_key_names must name one key' } },
      };
    }
    if (!(String(b.instance_type_name) in TYPES)) {
      return {
        status: 400,
        body: {
          error: { code: 'instance-operations/launch/insufficient-capacity', message: 'Not enough capacity' },
        },
      };
    }
    const i: FakeInstance = {
      id: randomBytes(16).toString('hex'),
      name: String(b.name),
      status: 'active',
      region: String(b.region_name),
      type: String(b.instance_type_name),
    };
    this.instances.set(i.id, i);
    // Shutting the OS down does not end a Lambda instance: it stays allocated (and billed) until terminated.
    if (typeof b.user_data === 'string') i.machine = new FakeMachine(b.user_data);
    return { status: 200, body: { data: { instance_ids: [i.id] } } };
  }
}

const view = (i: FakeInstance) => ({
  id: i.id,
  name: i.name,
  status: i.status,
  region: { name: i.region },
  instance_type: { name: i.type },
});
const notFound = () => ({
  status: 404,
  body: { error: { code: 'global/object-does-not-exist', message: 'Specified instance does not exist.' } },
});
