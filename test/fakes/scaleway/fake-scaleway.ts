import { randomUUID } from 'node:crypto';
import { FakeHttpServer, type FakeRequest } from '../rest-cloud/fake-http';
import { FakeMachine } from '../rest-cloud/fake-machine';

interface FakeServer {
  id: string;
  name: string;
  zone: string;
  state: string;
  commercial_type: string;
  tags: string[];
  volume: string;
  user_data?: string;
  machine?: FakeMachine;
}

const PRODUCTS = [
  {
    sku: '/compute/gpu_3070_s/run_fr-par-2',
    service_category: 'Compute',
    product: 'GPU-3070-S Instance',
    variant: 'Compute GPU-3070-S Instance - fr-par-2',
    locality: { zone: 'fr-par-2' },
    price: {
      retail_price: { currency_code: 'EUR', units: 0, nanos: 980000000 },
      unit_of_measure: { unit: 'hour', size: 1 },
    },
    unit_of_measure: { unit: 'hour', size: 1 },
    properties: {
      instance: { offer_id: 'GPU-3070-S', range: 'GPU' },
      hardware: {
        cpu: { virtual: { count: 8 } },
        ram: { size: 17179869184 },
        gpu: { count: 1, type: 'RTX 3070' },
      },
    },
  },
  {
    sku: '/compute/dev1_s/run_fr-par-2',
    service_category: 'Compute',
    product: 'DEV1-S Instance',
    locality: { zone: 'fr-par-2' },
    price: { retail_price: { currency_code: 'EUR', units: 0, nanos: 8800000 } },
    unit_of_measure: { unit: 'hour', size: 1 },
    properties: {
      instance: { offer_id: 'DEV1-S' },
      hardware: { cpu: { virtual: { count: 2 } }, ram: { size: 2147483648 } },
    },
  },
];

/**
 * Scaleway Instance API contract fake (`X-Auth-Token`, `{"message","type"}` errors), with the public
 * product catalog, cloud-init user data and power actions; volumes are tracked so leaks are visible.
 */
export class FakeScaleway {
  readonly http: FakeHttpServer;
  readonly servers = new Map<string, FakeServer>();
  readonly volumes = new Set<string>();

  constructor(private readonly secret: string) {
    this.http = new FakeHttpServer((req) => this.auth(req));
    const z = '/instance/v1/zones/([^/]+)';
    this.http
      .on('GET', /^\/product-catalog\/v2alpha1\/public-catalog\/products$/, (req) => ({
        status: 200,
        body: { products: req.query.get('page') === '1' ? PRODUCTS : [], total_count: PRODUCTS.length },
      }))
      .on('GET', new RegExp(`^${z}/servers$`), (req, [zone]) => ({
        status: 200,
        body: { servers: this.select(zone!, req).map(view) },
      }))
      .on('POST', new RegExp(`^${z}/servers$`), (req, [zone]) => this.create(zone!, req))
      .on('GET', new RegExp(`^${z}/servers/([^/]+)$`), (_r, [, id]) => {
        const s = this.servers.get(id!);
        return s ? { status: 200, body: { server: view(s) } } : notFound('instance_server', id!);
      })
      .on('PATCH', new RegExp(`^${z}/servers/([^/]+)/user_data/cloud-init$`), (req, [, id]) => {
        const s = this.servers.get(id!);
        if (!s) return notFound('instance_server', id!);
        if (!String(req.headers['content-type']).startsWith('text/plain'))
          return { status: 400, body: { message: 'expected text/plain', type: 'invalid_arguments' } };
        s.user_data = req.raw.toString('utf8');
        return { status: 204 };
      })
      .on('POST', new RegExp(`^${z}/servers/([^/]+)/action$`), (req, [, id]) =>
        this.action(id!, (req.body as { action: string }).action),
      )
      .on('DELETE', new RegExp(`^${z}/servers/([^/]+)$`), (_r, [, id]) => {
        const s = this.servers.get(id!);
        if (!s) return notFound('instance_server', id!);
        if (s.state !== 'stopped')
          return {
            status: 400,
            body: { message: 'server should be stopped', type: 'invalid_request_error' },
          };
        this.servers.delete(s.id);
        return { status: 204 };
      })
      .on('DELETE', new RegExp(`^${z}/volumes/([^/]+)$`), (_r, [, id]) =>
        this.volumes.delete(id!) ? { status: 204 } : notFound('instance_volume', id!),
      );
  }

  get apiUrl(): string {
    return this.http.url;
  }

  get resources(): number {
    return this.servers.size + this.volumes.size;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    for (const s of this.servers.values()) s.machine?.dispose();
    await this.http.stop();
  }

  private auth(req: FakeRequest) {
    if (req.path.startsWith('/product-catalog/')) return null; // the catalog is public
    return req.headers['x-auth-token'] === this.secret
      ? null
      : {
          status: 401,
          body: { message: 'authentication is denied', method: 'api_key', type: 'denied_authentication' },
        };
  }

  private select(zone: string, req: FakeRequest): FakeServer[] {
    const name = req.query.get('name');
    const tags = req.query.get('tags');
    return [...this.servers.values()].filter(
      (s) => s.zone === zone && (!name || s.name.includes(name)) && (!tags || s.tags.includes(tags)),
    );
  }

  private create(zone: string, req: FakeRequest) {
    const b = req.body as Record<string, unknown>;
    if (typeof b.commercial_type !== 'string' || typeof b.image !== 'string' || typeof b.name !== 'string') {
      return { status: 400, body: { message: 'invalid argument(s)', type: 'invalid_arguments' } };
    }
    const s: FakeServer = {
      id: randomUUID(),
      name: b.name,
      zone,
      state: 'stopped',
      commercial_type: b.commercial_type,
      tags: (b.tags as string[]) ?? [],
      volume: randomUUID(),
    };
    this.servers.set(s.id, s);
    this.volumes.add(s.volume);
    return { status: 201, body: { server: view(s) } };
  }

  private action(id: string, action: string) {
    const s = this.servers.get(id);
    if (!s) return notFound('instance_server', id);
    if (action === 'poweron') {
      s.state = 'running';
      if (s.user_data) s.machine = new FakeMachine(s.user_data, {}, () => (s.state = 'stopped'));
    } else if (action === 'poweroff') {
      s.machine?.kill();
      s.state = 'stopped';
    } else if (action === 'terminate') {
      if (s.state !== 'running')
        return { status: 400, body: { message: 'server is not running', type: 'invalid_request_error' } };
      s.machine?.dispose();
      this.servers.delete(id);
      this.volumes.delete(s.volume);
    } else {
      return { status: 400, body: { message: `unknown action ${action}`, type: 'invalid_arguments' } };
    }
    return { status: 202, body: { task: { id: randomUUID(), description: action, status: 'pending' } } };
  }
}

const view = (s: FakeServer) => ({
  id: s.id,
  name: s.name,
  state: s.state,
  commercial_type: s.commercial_type,
  tags: s.tags,
  volumes: { '0': { id: s.volume } },
});
const notFound = (resource: string, id: string) => ({
  status: 404,
  body: { message: 'resource is not found', resource, resource_id: id, type: 'not_found' },
});
