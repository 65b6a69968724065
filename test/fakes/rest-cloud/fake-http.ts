import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fakeListener } from '../http-handler';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  body: unknown;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: FakeRequest, params: string[]) => FakeReply | Promise<FakeReply>;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

/**
 * A tiny HTTP server for contract fakes: routes by method + regexp, records every request, and can be told
 * to answer the next N requests with an error (429 with Retry-After, 503 …) before behaving again.
 */
export class FakeHttpServer {
  readonly requests: FakeRequest[] = [];
  private readonly routes: Route[] = [];
  private readonly failures: FakeReply[] = [];
  private server: Server | undefined;
  url = '';

  constructor(private readonly authenticate: (req: FakeRequest) => FakeReply | null = () => null) {}

  on(method: string, pattern: RegExp, handler: Handler): this {
    this.routes.push({ method, pattern, handler });
    return this;
  }

  /** The next `count` requests (after authentication) get `reply`; a count of 0 clears pending failures. */
  failNext(count: number, reply: FakeReply): void {
    if (count === 0) this.failures.length = 0;
    for (let i = 0; i < count; i++) this.failures.push(reply);
  }

  async start(): Promise<string> {
    this.server = createServer(fakeListener((req, res) => this.handle(req, res)));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // keep-alive sockets of the client under test would hold close() open
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: unknown = undefined;
    if (raw.length && String(req.headers['content-type'] ?? '').includes('json'))
      body = JSON.parse(raw.toString('utf8'));
    const fr: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      raw,
      body,
    };
    this.requests.push(fr);
    const reply = (await this.route(fr)) ?? {
      status: 404,
      body: { error: { code: 'not_found', message: 'no route' } },
    };
    const payload =
      reply.body === undefined
        ? ''
        : typeof reply.body === 'string'
          ? reply.body
          : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
    res.end(payload);
  }

  private async route(req: FakeRequest): Promise<FakeReply | undefined> {
    const denied = this.authenticate(req);
    if (denied) return denied;
    const failure = this.failures.shift();
    if (failure) return failure;
    for (const r of this.routes) {
      if (r.method !== req.method) continue;
      const m = r.pattern.exec(req.path);
      if (m) return r.handler(req, m.slice(1));
    }
    return undefined;
  }
}
