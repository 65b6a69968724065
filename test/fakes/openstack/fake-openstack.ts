import { createHmac, randomUUID } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeReply } from '../rest-cloud/fake-http';
import { FakeMachine } from '../rest-cloud/fake-machine';

interface FakeServer {
  id: string;
  name: string;
  status: string;
  flavorRef: string;
  metadata: Record<string, string>;
  machine?: FakeMachine;
}

const FLAVORS = [
  { id: 'f-b2-7', name: 'b2-7', vcpus: 2, ram: 7000, disk: 50 },
  { id: 'f-l40s-90', name: 'l40s-90', vcpus: 15, ram: 90000, disk: 400 },
];
const ACCOUNT = 'AUTH_p123';

/**
 * One server speaking the OpenStack APIs an OVH/Infomaniak project exposes: Keystone v3 (password and
 * application-credential auth, X-Subject-Token, a catalog pointing back here), Nova servers and flavors, Glance
 * images, Neutron networks and Swift (token auth, JSON listings, and Temp URLs checked with HMAC-SHA256 over
 * the prefix, exactly as the tempurl middleware does).
 */
export class FakeOpenStack {
  readonly http: FakeHttpServer;
  readonly servers = new Map<string, FakeServer>();
  readonly objects = new Map<string, Buffer>();
  readonly tokens = new Set<string>();
  tempUrlKey = '';
  region = 'GRA11';

  constructor(
    private readonly user: { name: string; password: string; project_id: string },
    private readonly prices: unknown = {},
  ) {
    this.http = new FakeHttpServer((req) => this.auth(req));
    this.http
      .on('POST', /^\/identity\/v3\/auth\/tokens$/, (req) => this.issueToken(req))
      .on('GET', /^\/catalog$/, () => ({ status: 200, body: this.prices }))
      .on('GET', /^\/compute\/v2\.1\/flavors\/detail$/, () => ({ status: 200, body: { flavors: FLAVORS } }))
      .on('GET', /^\/compute\/v2\.1\/servers(\/detail)?$/, (req) => {
        const re = new RegExp(req.query.get('name') ?? '.*');
        return {
          status: 200,
          body: { servers: [...this.servers.values()].filter((s) => re.test(s.name)).map(view) },
        };
      })
      .on('POST', /^\/compute\/v2\.1\/servers$/, (req) => this.createServer(req))
      .on('GET', /^\/compute\/v2\.1\/servers\/([^/]+)$/, (_r, [id]) => {
        const s = this.servers.get(id!);
        return s
          ? { status: 200, body: { server: view(s) } }
          : { status: 404, body: { itemNotFound: { code: 404, message: 'Instance could not be found' } } };
      })
      .on('DELETE', /^\/compute\/v2\.1\/servers\/([^/]+)$/, (_r, [id]) => {
        const s = this.servers.get(id!);
        if (!s)
          return {
            status: 404,
            body: { itemNotFound: { code: 404, message: 'Instance could not be found' } },
          };
        s.machine?.dispose();
        this.servers.delete(s.id);
        return { status: 204 };
      })
      .on('GET', /^\/image\/v2\/images$/, (req) => ({
        status: 200,
        body: { images: req.query.get('name') === 'Ubuntu 22.04' ? [{ id: 'img-ubuntu' }] : [] },
      }))
      .on('GET', /^\/network\/v2\.0\/networks$/, (req) => ({
        status: 200,
        body: { networks: req.query.get('name') === 'Ext-Net' ? [{ id: 'net-ext' }] : [] },
      }))
      .on('POST', new RegExp(`^/swift/v1/${ACCOUNT}$`), (req) => {
        this.tempUrlKey = String(req.headers['x-account-meta-temp-url-key'] ?? '');
        return { status: 204 };
      })
      .on('PUT', new RegExp(`^/swift/v1/${ACCOUNT}/([^/]+)$`), () => ({ status: 201 }))
      .on('GET', new RegExp(`^/swift/v1/${ACCOUNT}/([^/]+)$`), (req, [container]) =>
        this.listing(container!, req),
      )
      .on('PUT', new RegExp(`^/swift/v1/${ACCOUNT}/([^/]+)/(.+)$`), (req, [c, k]) => {
        this.objects.set(`${c}/${decodeURIComponent(k!)}`, req.raw);
        return { status: 201 };
      })
      .on('GET', new RegExp(`^/swift/v1/${ACCOUNT}/([^/]+)/(.+)$`), (_r, [c, k]) => {
        const o = this.objects.get(`${c}/${decodeURIComponent(k!)}`);
        return o
          ? { status: 200, body: o.toString('utf8'), headers: { 'content-type': 'application/octet-stream' } }
          : { status: 404, body: '' };
      })
      .on('DELETE', new RegExp(`^/swift/v1/${ACCOUNT}/([^/]+)/(.+)$`), (_r, [c, k]) =>
        this.objects.delete(`${c}/${decodeURIComponent(k!)}`) ? { status: 204 } : { status: 404 },
      );
  }

  get authUrl(): string {
    return `${this.http.url}/identity/v3`;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    for (const s of this.servers.values()) s.machine?.dispose();
    await this.http.stop();
  }

  /** Revokes every token (Keystone restart, token expiry). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  private auth(req: FakeRequest): FakeReply | null {
    if (req.path === '/identity/v3/auth/tokens' || req.path === '/catalog') return null;
    if (req.path.startsWith('/swift/') && req.query.has('temp_url_sig')) return this.checkTempUrl(req);
    return this.tokens.has(String(req.headers['x-auth-token']))
      ? null
      : {
          status: 401,
          body: {
            error: {
              code: 401,
              title: 'Unauthorized',
              message: 'The request you have made requires authentication.',
            },
          },
        };
  }

  /** Swift tempurl: sig = HMAC-SHA256(key, "METHOD\nEXPIRES\nprefix:/v1/AUTH_x/container/prefix"), prefix must match. */
  private checkTempUrl(req: FakeRequest): FakeReply | null {
    const expires = Number(req.query.get('temp_url_expires'));
    const prefix = req.query.get('temp_url_prefix') ?? '';
    const path = req.path.replace(/^\/swift/, '');
    const [, , , container, ...rest] = path.split('/');
    const object = decodeURIComponent(rest.join('/'));
    // The signed path is the one the proxy serves (this fake mounts Swift under /swift).
    const signed = `${req.method}\n${expires}\nprefix:/swift/v1/${ACCOUNT}/${container}/${prefix}`;
    const sig = createHmac('sha256', this.tempUrlKey).update(signed).digest('hex');
    const ok =
      this.tempUrlKey &&
      expires * 1000 > Date.now() &&
      object.startsWith(prefix) &&
      sig === req.query.get('temp_url_sig');
    return ok ? null : { status: 401, body: '<html><h1>Unauthorized</h1><p>Temp URL invalid</p></html>' };
  }

  private issueToken(req: FakeRequest): FakeReply {
    const identity = (
      req.body as {
        auth: {
          identity: {
            methods: string[];
            password?: { user: { name: string; password: string; domain: { name: string } } };
          };
        };
      }
    ).auth.identity;
    const u = identity.password?.user;
    if (
      !identity.methods.includes('password') ||
      u?.name !== this.user.name ||
      u.password !== this.user.password ||
      !u.domain?.name
    ) {
      return {
        status: 401,
        body: {
          error: {
            code: 401,
            title: 'Unauthorized',
            message: 'The request you have made requires authentication.',
          },
        },
      };
    }
    const token = randomUUID().replace(/-/g, '');
    this.tokens.add(token);
    const ep = (type: string, path: string) => ({
      type,
      endpoints: [
        { interface: 'public', region_id: this.region, region: this.region, url: `${this.http.url}${path}` },
      ],
    });
    return {
      status: 201,
      headers: { 'x-subject-token': token },
      body: {
        token: {
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          catalog: [
            ep('compute', '/compute/v2.1'),
            ep('image', '/image'),
            ep('network', '/network'),
            ep('object-store', `/swift/v1/${ACCOUNT}`),
          ],
        },
      },
    };
  }

  private createServer(req: FakeRequest): FakeReply {
    const s = (req.body as { server: Record<string, unknown> }).server;
    if (!FLAVORS.some((f) => f.id === s.flavorRef))
      return {
        status: 400,
        body: { badRequest: { code: 400, message: `Flavor ${String(s.flavorRef)} could not be found.` } },
      };
    if (typeof s.imageRef !== 'string')
      return { status: 400, body: { badRequest: { code: 400, message: 'imageRef required' } } };
    const server: FakeServer = {
      id: randomUUID(),
      name: String(s.name),
      status: 'ACTIVE',
      flavorRef: String(s.flavorRef),
      metadata: (s.metadata as Record<string, string>) ?? {},
    };
    this.servers.set(server.id, server);
    if (typeof s.user_data === 'string') {
      server.machine = new FakeMachine(
        Buffer.from(s.user_data, 'base64').toString('utf8'),
        {},
        () => (server.status = 'SHUTOFF'),
      );
    }
    return { status: 202, body: { server: { id: server.id, links: [], adminPass: 'x' } } };
  }

  private listing(container: string, req: FakeRequest): FakeReply {
    const prefix = `${container}/${req.query.get('prefix') ?? ''}`;
    const marker = req.query.get('marker');
    const names = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(container.length + 1))
      .sort()
      .filter((n) => !marker || n > marker);
    return {
      status: 200,
      body: names.map((name) => ({ name, bytes: this.objects.get(`${container}/${name}`)!.length })),
    };
  }
}

const view = (s: FakeServer) => ({
  id: s.id,
  name: s.name,
  status: s.status,
  metadata: s.metadata,
  flavor: { id: s.flavorRef },
});
