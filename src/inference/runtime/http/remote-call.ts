import { errors as undiciErrors, request, type Dispatcher } from 'undici';
import { DomainError } from '../../../common/errors/domain-error';

export interface RemoteCallOptions {
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  /** Deadline of the whole call, retries included. */
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  dispatcher?: Dispatcher;
}

/** Statuses after which the same inference request may be sent again (the call is a pure function). */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

class RetryableFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One JSON call to a model server with a deadline and bounded retries: connection failures and
 * 429/502/503/504 are retried with jittered exponential backoff while time remains; a timeout is not
 * retried (the budget is spent). Maps the outcome to domain errors: timeout → 504, failure → 502, a 4xx
 * answer (the request does not fit the model) → 400.
 */
export async function remoteCall<T>(options: RemoteCallOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastFailure: RetryableFailure | undefined;
  for (let attempt = 0; attempt <= options.retries; attempt += 1) {
    if (attempt > 0) {
      const pause = options.backoffMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
      if (Date.now() + pause >= deadline) break;
      await sleep(pause);
    }
    try {
      return await attemptCall<T>(options, deadline - Date.now());
    } catch (error) {
      if (!(error instanceof RetryableFailure)) throw error;
      lastFailure = error;
    }
  }
  throw new DomainError(
    'upstream_failed',
    'MODEL_BACKEND_FAILED',
    `model backend failed: ${lastFailure?.message}`,
    {
      url: options.url,
      attempts: options.retries + 1,
      ...(lastFailure?.status ? { status: lastFailure.status } : {}),
    },
  );
}

async function attemptCall<T>(options: RemoteCallOptions, remainingMs: number): Promise<T> {
  if (remainingMs <= 0) throw timedOut(options);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(options.url, {
      method: options.method,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(remainingMs),
      dispatcher: options.dispatcher,
    });
  } catch (error) {
    throw classify(error, options);
  }
  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    throw classify(error, options);
  }
  if (response.statusCode >= 200 && response.statusCode < 300) return parse<T>(text, options);
  if (RETRYABLE_STATUS.has(response.statusCode))
    throw new RetryableFailure(`HTTP ${response.statusCode}`, response.statusCode);
  if (response.statusCode >= 400 && response.statusCode < 500) {
    throw new DomainError(
      'invalid',
      'MODEL_REJECTED_INPUT',
      `the model backend refused the input: ${snippet(text)}`,
      {
        url: options.url,
        status: response.statusCode,
      },
    );
  }
  throw new DomainError(
    'upstream_failed',
    'MODEL_BACKEND_FAILED',
    `model backend answered HTTP ${response.statusCode}`,
    {
      url: options.url,
      status: response.statusCode,
      body: snippet(text),
    },
  );
}

function classify(error: unknown, options: RemoteCallOptions): Error {
  const e = error as { name?: string; code?: string; cause?: { code?: string } };
  if (
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    error instanceof undiciErrors.HeadersTimeoutError
  ) {
    return timedOut(options);
  }
  const code = e.code ?? e.cause?.code ?? '';
  if (RETRYABLE_CODES.has(code)) return new RetryableFailure(code);
  return new DomainError(
    'upstream_failed',
    'MODEL_BACKEND_FAILED',
    `model backend unreachable: ${(error as Error).message}`,
    {
      url: options.url,
    },
  );
}

const timedOut = (options: RemoteCallOptions) =>
  new DomainError(
    'upstream_timeout',
    'MODEL_BACKEND_TIMEOUT',
    `model backend did not answer within ${options.timeoutMs} ms`,
    {
      url: options.url,
      timeout_ms: options.timeoutMs,
    },
  );

function parse<T>(text: string, options: RemoteCallOptions): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DomainError(
      'upstream_failed',
      'MODEL_BACKEND_FAILED',
      'model backend answered with invalid JSON',
      {
        url: options.url,
        body: snippet(text),
      },
    );
  }
}

const snippet = (text: string) => text.slice(0, 300);
