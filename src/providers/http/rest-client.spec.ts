import { createServer, type Server } from 'node:http';
import { z } from 'zod';
import { ProviderApiError, RestClient, retryAfterMs } from './rest-client';

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, caps them, ignores garbage', () => {
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();

    expect(retryAfterMs('3', 10_000)).toBe(3000);
    expect(retryAfterMs('3600', 10_000)).toBe(10_000);
    expect(retryAfterMs(inTwoSeconds, 10_000)).toBeGreaterThan(500);
    expect(retryAfterMs('soon', 10_000)).toBeUndefined();
    expect(retryAfterMs(undefined, 10_000)).toBeUndefined();
  });
});

describe('RestClient', () => {
  let server: Server;
  let url: string;
  const answers: Array<{ status: number; headers?: Record<string, string>; body: string }> = [];
  let calls = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      calls++;
      const a = answers.shift() ?? { status: 200, body: '{"ok":true}' };
      res.writeHead(a.status, { 'content-type': 'application/json', ...(a.headers ?? {}) });
      res.end(a.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    answers.length = 0;
    calls = 0;
  });

  const client = (maxRetries: number) =>
    new RestClient({ provider: 'test', baseUrl: url, timeoutMs: 2000, maxRetries, baseBackoffMs: 1 });

  it('retries 429 after Retry-After and 5xx with backoff, then validates the answer', async () => {
    answers.push(
      { status: 429, headers: { 'retry-after': '0' }, body: '{}' },
      { status: 502, body: 'bad gateway' },
    );

    const res = await client(3).get('/x', { schema: z.object({ ok: z.boolean() }) });

    expect(res.data).toEqual({ ok: true });
    expect(calls).toBe(3);
  });

  it('does not retry a 4xx and reports the API message', async () => {
    answers.push({ status: 403, body: '{"error":{"code":"forbidden","message":"token lacks scope"}}' });

    const error = (await client(3)
      .get('/x')
      .catch((e: unknown) => e)) as ProviderApiError;

    expect(error).toBeInstanceOf(ProviderApiError);
    expect(error.message).toBe('test: GET /x answered 403: token lacks scope');
    expect(calls).toBe(1);
  });

  it('an answer of the wrong shape is an upstream failure, not a crash later', async () => {
    answers.push({ status: 200, body: '{"ok":"yes"}' });

    const error = (await client(0)
      .get('/x', { schema: z.object({ ok: z.boolean() }) })
      .catch((e: unknown) => e)) as ProviderApiError;

    expect(error.kind).toBe('upstream_failed');
    expect(error.message).toMatch(/unexpected shape \(ok: Expected boolean/);
  });
});
