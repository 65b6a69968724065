import { FakeHttpServer, type FakeRequest } from '../rest-cloud/fake-http';
import { FakeMachine } from '../rest-cloud/fake-machine';

interface FakeInstance {
  id: number;
  label: string;
  actual_status: string;
  offer_id: number;
  bid: number | null;
  machine?: FakeMachine;
}

const OFFERS = [
  {
    id: 501,
    gpu_name: 'RTX_4090',
    num_gpus: 1,
    dph_total: 0.42,
    min_bid: 0.21,
    cpu_cores_effective: 16,
    cpu_ram: 64512,
    geolocation: 'Sweden, SE',
    reliability2: 0.99,
    verified: true,
    rentable: true,
    external: false,
    disk_space: 200,
  },
  {
    id: 502,
    gpu_name: 'RTX_4090',
    num_gpus: 1,
    dph_total: 0.55,
    min_bid: 0.3,
    cpu_cores_effective: 8,
    cpu_ram: 32768,
    geolocation: 'Texas, US',
    reliability2: 0.97,
    verified: true,
    rentable: true,
    external: false,
    disk_space: 100,
  },
  {
    id: 503,
    gpu_name: 'A100_SXM4',
    num_gpus: 2,
    dph_total: 2.9,
    min_bid: 1.4,
    cpu_cores_effective: 32,
    cpu_ram: 257000,
    geolocation: 'Quebec, CA',
    reliability2: 0.995,
    verified: true,
    rentable: true,
    external: false,
    disk_space: 500,
  },
];

/** Vast.ai REST API v0 contract fake: bearer key, offer search with the JSON `q` filter, asks, instances. */
export class FakeVastAi {
  readonly http: FakeHttpServer;
  readonly instances = new Map<number, FakeInstance>();
  private nextId = 9000;

  constructor(private readonly key: string) {
    this.http = new FakeHttpServer((req) => this.auth(req));
    this.http
      .on('GET', /^\/api\/v0\/bundles\/$/, (req) => this.search(req))
      .on('PUT', /^\/api\/v0\/asks\/(\d+)\/$/, (req, [id]) => this.rent(req, Number(id)))
      .on('GET', /^\/api\/v0\/instances\/$/, () => ({
        status: 200,
        body: { instances: [...this.instances.values()].map(view) },
      }))
      .on('GET', /^\/api\/v0\/instances\/(\d+)\/$/, (_r, [id]) => {
        const i = this.instances.get(Number(id));
        return { status: 200, body: { instances: i ? view(i) : null } };
      })
      .on('DELETE', /^\/api\/v0\/instances\/(\d+)\/$/, (_r, [id]) => {
        const i = this.instances.get(Number(id));
        if (!i)
          return {
            status: 404,
            body: { success: false, error: 'no_such_instance', msg: 'Instance not found' },
          };
        i.machine?.dispose();
        this.instances.delete(i.id);
        return { status: 200, body: { success: true } };
      });
  }

  get apiUrl(): string {
    return `${this.http.url}/api/v0`;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    for (const i of this.instances.values()) i.machine?.dispose();
    await this.http.stop();
  }

  /** Outbid: the host stops the interruptible instance, which stays listed as stopped. */
  outbid(id: number): void {
    const i = this.instances.get(id)!;
    i.machine?.kill();
    i.actual_status = 'stopped';
  }

  private auth(req: FakeRequest) {
    return req.headers.authorization === `Bearer ${this.key}`
      ? null
      : { status: 401, body: { success: false, error: 'auth_error', msg: 'Invalid API key' } };
  }

  private search(req: FakeRequest) {
    const q = JSON.parse(req.query.get('q') ?? '{}') as Record<
      string,
      { eq?: unknown; lte?: number; gte?: number }
    >;
    const matches = OFFERS.filter((o) =>
      Object.entries(q).every(([field, cond]) => {
        if (field === 'type' || !(field in o)) return true;
        const v = (o as Record<string, unknown>)[field];
        if (cond.eq !== undefined && v !== cond.eq) return false;
        if (cond.lte !== undefined && (v as number) > cond.lte) return false;
        if (cond.gte !== undefined && (v as number) < cond.gte) return false;
        return true;
      }),
    ).sort((a, b) => a.dph_total - b.dph_total);
    return { status: 200, body: { offers: matches } };
  }

  private rent(req: FakeRequest, offerId: number) {
    const b = req.body as Record<string, unknown>;
    if (b.client_id !== 'me' || typeof b.image !== 'string')
      return { status: 400, body: { success: false, error: 'invalid_args', msg: 'image required' } };
    if (!OFFERS.some((o) => o.id === offerId))
      return { status: 200, body: { success: false, error: 'no_such_ask', msg: 'offer gone' } };
    const i: FakeInstance = {
      id: this.nextId++,
      label: String(b.label),
      actual_status: 'running',
      offer_id: offerId,
      bid: typeof b.price === 'number' ? b.price : null,
    };
    this.instances.set(i.id, i);
    if (typeof b.onstart === 'string') {
      i.machine = new FakeMachine(b.onstart, (b.env as Record<string, string>) ?? {}, () => undefined);
      void i.machine.exited.then(() => {
        if (i.actual_status === 'running') i.actual_status = 'exited';
      });
    }
    return { status: 200, body: { success: true, new_contract: i.id } };
  }
}

const view = (i: FakeInstance) => ({
  id: i.id,
  label: i.label,
  actual_status: i.actual_status,
  intended_status: 'running',
  status_msg: null,
});
