import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fakeListener } from '../http-handler';

/**
 * Google Cloud Storage's JSON API, in memory: object listing by prefix (paged), `alt=media` reads, metadata,
 * `uploadType=media` uploads and deletes. Every request must carry the expected bearer token.
 */
export class FakeGcs {
  private server: Server | undefined;
  /** `bucket/key` → content. */
  readonly objects = new Map<string, Buffer>();
  readonly unauthorised: string[] = [];
  url = '';

  constructor(
    private readonly token: string,
    private readonly pageSize = 3,
  ) {}

  async start(): Promise<this> {
    this.server = createServer(fakeListener((req, res) => this.handle(req, res)));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  text(bucketKey: string): string | undefined {
    return this.objects.get(bucketKey)?.toString('utf8');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.unauthorised.push(`${req.method} ${url.pathname}`);
      return json(res, 401, { error: { code: 401, message: 'Invalid Credentials' } });
    }
    const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (upload && req.method === 'POST') {
      const name = url.searchParams.get('name');
      if (url.searchParams.get('uploadType') !== 'media' || !name) {
        return json(res, 400, { error: { code: 400, message: 'uploadType=media and name are required' } });
      }
      const bucket = decodeURIComponent(upload[1]!);
      this.objects.set(`${bucket}/${name}`, Buffer.concat(chunks));
      return json(res, 200, this.meta(bucket, name));
    }
    const list = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (list && req.method === 'GET') return this.list(res, decodeURIComponent(list[1]!), url);
    const object = /^\/storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(url.pathname);
    if (!object) return json(res, 404, { error: { code: 404, message: 'no such route' } });
    const bucket = decodeURIComponent(object[1]!);
    const name = decodeURIComponent(object[2]!);
    const data = this.objects.get(`${bucket}/${name}`);
    if (!data) return json(res, 404, { error: { code: 404, message: `No such object: ${bucket}/${name}` } });
    if (req.method === 'DELETE') {
      this.objects.delete(`${bucket}/${name}`);
      res.writeHead(204).end();
      return;
    }
    if (url.searchParams.get('alt') === 'media') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(data);
      return;
    }
    json(res, 200, this.meta(bucket, name));
  }

  private list(res: ServerResponse, bucket: string, url: URL): void {
    const prefix = url.searchParams.get('prefix') ?? '';
    const start = Number(url.searchParams.get('pageToken') ?? 0);
    const names = this.keys(`${bucket}/${prefix}`).map((k) => k.slice(bucket.length + 1));
    const page = names.slice(start, start + this.pageSize);
    const next = start + this.pageSize < names.length ? String(start + this.pageSize) : undefined;
    json(res, 200, {
      kind: 'storage#objects',
      items: page.map((n) => this.meta(bucket, n)),
      ...(next ? { nextPageToken: next } : {}),
    });
  }

  private meta(bucket: string, name: string): Record<string, unknown> {
    return {
      kind: 'storage#object',
      bucket,
      name,
      size: String(this.objects.get(`${bucket}/${name}`)?.length ?? 0),
    };
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
