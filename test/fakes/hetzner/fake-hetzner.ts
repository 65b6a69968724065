import { FakeHttpServer, type FakeRequest } from '../rest-cloud/fake-http';
import { FakeMachine } from '../rest-cloud/fake-machine';

interface FakeServer {
  id: number;
  name: string;
  status: string;
  server_type: string;
  location: string;
  labels: Record<string, string>;
  user_data: string;
  machine?: FakeMachine;
}

const SERVER_TYPES = [
  {
    name: 'cx22',
    description: 'CX22',
    cores: 2,
    memory: 4,
    architecture: 'x86',
    deprecated: false,
    prices: [
      { location: 'fsn1', price_hourly: { net: '0.0060000000', gross: '0.0071400000' } },
      { location: 'nbg1', price_hourly: { net: '0.0060000000', gross: '0.0071400000' } },
    ],
  },
  {
    name: 'ccx23',
    description: 'CCX23 Dedicated CPU',
    cores: 4,
    memory: 16,
    architecture: 'x86',
    deprecated: false,
    prices: [{ location: 'fsn1', price_hourly: { net: '0.0380000000', gross: '0.0452200000' } }],
  },
];

/**
 * Hetzner Cloud API contract fake (https://docs.hetzner.cloud): bearer auth, the documented error body
 * `{"error":{"code","message"}}`, pagination meta, label selectors, and servers that run their user data.
 */
export class FakeHetzner {
  readonly http: FakeHttpServer;
  readonly servers = new Map<number, FakeServer>();
  private nextId = 1000;

  constructor(
    private readonly token: string,
    private readonly machineEnv: Record<string, string> = {},
  ) {
    this.http = new FakeHttpServer((req) => this.auth(req));
    this.http
      .on('GET', /^\/v1\/server_types$/, () => ({
        status: 200,
        body: {
          server_types: SERVER_TYPES,
          meta: { pagination: { page: 1, per_page: 50, next_page: null, last_page: 1 } },
        },
      }))
      .on('GET', /^\/v1\/servers$/, (req) => ({
        status: 200,
        body: { servers: this.select(req).map(view), meta: meta() },
      }))
      .on('POST', /^\/v1\/servers$/, (req) => this.create(req))
      .on('GET', /^\/v1\/servers\/(\d+)$/, (_req, [id]) => {
        const s = this.servers.get(Number(id));
        return s ? { status: 200, body: { server: view(s) } } : notFound();
      })
      .on('DELETE', /^\/v1\/servers\/(\d+)$/, (_req, [id]) => {
        const s = this.servers.get(Number(id));
        if (!s) return notFound();
        s.machine?.dispose();
        this.servers.delete(s.id);
        return { status: 200, body: { action: { id: 1, command: 'delete_server', status: 'running' } } };
      });
  }

  start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    for (const s of this.servers.values()) s.machine?.dispose();
    await this.http.stop();
  }

  get apiUrl(): string {
    return `${this.http.url}/v1`;
  }

  private auth(req: FakeRequest) {
    if (req.headers.authorization === `Bearer ${this.token}`) return null;
    return { status: 401, body: { error: { code: 'unauthorized', message: 'unable to authenticate' } } };
  }

  private select(req: FakeRequest): FakeServer[] {
    const name = req.query.get('name');
    const selector = req.query.get('label_selector');
    return [...this.servers.values()].filter((s) => {
      if (name && s.name !== name) return false;
      if (selector) {
        const [k, v] = selector.split('=');
        if (!k || s.labels[k] !== v) return false;
      }
      return true;
    });
  }

  private create(req: FakeRequest) {
    const b = req.body as Record<string, unknown>;
    const invalid = ['name', 'server_type', 'image'].filter((f) => typeof b[f] !== 'string');
    if (invalid.length)
      return {
        status: 422,
        body: { error: { code: 'invalid_input', message: `invalid ${invalid.join(',')}` } },
      };
    if (!SERVER_TYPES.some((t) => t.name === b.server_type)) {
      return { status: 422, body: { error: { code: 'invalid_input', message: 'server_type not found' } } };
    }
    if ([...this.servers.values()].some((s) => s.name === b.name)) {
      return {
        status: 409,
        body: { error: { code: 'uniqueness_error', message: 'server name is already used' } },
      };
    }
    const s: FakeServer = {
      id: this.nextId++,
      name: b.name as string,
      status: 'running',
      server_type: b.server_type as string,
      location: (b.location as string) ?? 'fsn1',
      labels: (b.labels as Record<string, string>) ?? {},
      user_data: (b.user_data as string) ?? '',
    };
    this.servers.set(s.id, s);
    if (s.user_data) s.machine = new FakeMachine(s.user_data, this.machineEnv, () => (s.status = 'off'));
    return {
      status: 201,
      body: { server: view(s), action: { id: 2, command: 'create_server' }, root_password: null },
    };
  }
}

const view = (s: FakeServer) => ({
  id: s.id,
  name: s.name,
  status: s.status,
  labels: s.labels,
  server_type: { name: s.server_type },
  datacenter: { location: { name: s.location } },
});
const meta = () => ({ pagination: { page: 1, per_page: 50, next_page: null, last_page: 1 } });
const notFound = () => ({ status: 404, body: { error: { code: 'not_found', message: 'server not found' } } });
