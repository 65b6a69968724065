import { request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { DomainError } from '@app/common/errors/domain-error';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface RestClientOptions {
  /** Provider name used in error codes and messages (`hetzner`, `oci` …). */
  provider: string;
  baseUrl: string;
  timeoutMs: number;
  /** Retries after the first attempt, on 429, 5xx and network errors. */
  maxRetries: number;
  /** First backoff delay; doubles on each retry, with jitter, capped by `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Adds authentication headers to each attempt (signatures cover the date, so they are made per attempt). */
  authenticate?: (req: PreparedRequest) => Promise<Record<string, string>> | Record<string, string>;
  dispatcher?: Dispatcher;
}

export interface PreparedRequest {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

export interface RequestOptions<T> {
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  body?: Buffer | string;
  headers?: Record<string, string>;
  /** Validates the JSON answer before use; a mismatch is an upstream failure, never a crash later on. */
  schema?: z.ZodType<T, z.ZodTypeDef, unknown>;
  /** Statuses answered without throwing (e.g. 404 for an idempotent delete); the body is then not validated. */
  allow?: number[];
  /** Absolute URL instead of a path under `baseUrl` (catalog endpoints on another host). */
  absolute?: boolean;
}

export interface RestResponse<T> {
  status: number;
  headers: Record<string, string>;
  data: T;
  raw: Buffer;
}

/** The remote API answered with an error (after retries), or its answer did not match the documented shape. */
export class ProviderApiError extends DomainError {
  constructor(
    readonly provider: string,
    readonly status: number,
    message: string,
    readonly body: string = '',
  ) {
    super(
      status === 0 ? 'upstream_timeout' : 'upstream_failed',
      status === 0 ? 'PROVIDER_UNREACHABLE' : 'PROVIDER_API_ERROR',
      `${provider}: ${message}`,
      { provider, status, body: body.slice(0, 500) },
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds or an HTTP date, as RFC 9110 allows; capped so a hostile value cannot stall a poller. */
export function retryAfterMs(value: string | undefined, capMs: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(Math.max(seconds, 0) * 1000, capMs);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(date - Date.now(), 0), capMs);
}

/**
 * A small JSON-over-HTTPS client: per-attempt timeout, retries with exponential backoff on 429/5xx and
 * network errors (honouring Retry-After), and zod validation of answers.
 */
export class RestClient {
  /** A client for an API authenticated by a bearer token, from a cloud's standard config fields. */
  static withBearer(
    provider: string,
    cfg: { api_url: string; api_key: string; request_timeout_ms: number; max_attempts: number },
  ): RestClient {
    return new RestClient({
      provider,
      baseUrl: cfg.api_url,
      timeoutMs: cfg.request_timeout_ms,
      maxRetries: cfg.max_attempts - 1,
      authenticate: () => ({ authorization: `Bearer ${cfg.api_key}` }),
    });
  }

  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(readonly options: RestClientOptions) {
    this.baseBackoffMs = options.baseBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 20_000;
  }

  async get<T>(path: string, opts: RequestOptions<T> = {}): Promise<RestResponse<T>> {
    return this.send('GET', path, opts);
  }

  async send<T>(method: HttpMethod, path: string, opts: RequestOptions<T> = {}): Promise<RestResponse<T>> {
    const prepared = this.prepare(method, path, opts);
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(prepared);
      const retryable = outcome.status === 0 || outcome.status === 429 || outcome.status >= 500;
      if (retryable && attempt < this.options.maxRetries) {
        const backoff = Math.min(this.baseBackoffMs * 2 ** attempt, this.maxBackoffMs);
        const wait =
          retryAfterMs(outcome.headers['retry-after'], this.maxBackoffMs) ??
          backoff * (0.5 + Math.random() / 2);
        await sleep(wait);
        continue;
      }
      return this.finish(outcome, opts, method, prepared.url);
    }
  }

  private prepare<T>(method: HttpMethod, path: string, opts: RequestOptions<T>): PreparedRequest {
    const url = opts.absolute ? new URL(path) : new URL(this.options.baseUrl.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
    let body: Buffer | undefined;
    if (opts.json !== undefined) {
      body = Buffer.from(JSON.stringify(opts.json));
      headers['content-type'] = 'application/json';
    } else if (opts.body !== undefined) {
      body = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
    }
    return { method, url, headers, body };
  }

  private async attempt(
    req: PreparedRequest,
  ): Promise<{ status: number; headers: Record<string, string>; raw: Buffer; error?: string }> {
    try {
      const auth = this.options.authenticate ? await this.options.authenticate(req) : {};
      const res = await request(req.url, {
        method: req.method,
        headers: { ...req.headers, ...auth },
        body: req.body,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        dispatcher: this.options.dispatcher,
      });
      const raw = Buffer.from(await res.body.arrayBuffer());
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers))
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      return { status: res.statusCode, headers, raw };
    } catch (err) {
      return { status: 0, headers: {}, raw: Buffer.alloc(0), error: (err as Error).message };
    }
  }

  private finish<T>(
    outcome: { status: number; headers: Record<string, string>; raw: Buffer; error?: string },
    opts: RequestOptions<T>,
    method: HttpMethod,
    url: URL,
  ): RestResponse<T> {
    const where = `${method} ${url.pathname}`;
    if (outcome.status === 0) {
      throw new ProviderApiError(
        this.options.provider,
        0,
        `${where} failed: ${outcome.error ?? 'no answer'}`,
      );
    }
    const text = outcome.raw.toString('utf8');
    if (opts.allow?.includes(outcome.status)) {
      return { status: outcome.status, headers: outcome.headers, data: undefined as T, raw: outcome.raw };
    }
    if (outcome.status >= 400) {
      throw new ProviderApiError(
        this.options.provider,
        outcome.status,
        `${where} answered ${outcome.status}: ${summarize(text)}`,
        text,
      );
    }
    if (!opts.schema)
      return { status: outcome.status, headers: outcome.headers, data: undefined as T, raw: outcome.raw };
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      throw new ProviderApiError(this.options.provider, outcome.status, `${where} answered non-JSON`, text);
    }
    const checked = opts.schema.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const at = issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid';
      throw new ProviderApiError(
        this.options.provider,
        outcome.status,
        `${where} answered an unexpected shape (${at})`,
        text,
      );
    }
    return { status: outcome.status, headers: outcome.headers, data: checked.data, raw: outcome.raw };
  }
}

/** The API's own error message when it gives one (`{"error":{"message"}}`, `{"message"}`, GraphQL errors …). */
function summarize(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const error = body.error as Record<string, unknown> | string | undefined;
    if (typeof error === 'string') return error;
    if (error && typeof error.message === 'string') return error.message;
    if (typeof body.message === 'string') return body.message;
    if (typeof body.msg === 'string') return body.msg;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 200);
}
