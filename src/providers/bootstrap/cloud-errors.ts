import { DomainError } from '@app/common/errors/domain-error';
import { ProviderCapacityError } from '@app/providers/provider-errors';

interface SdkErrorShape {
  name?: string;
  code?: string | number;
  statusCode?: number;
  status?: number;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  response?: { status?: number; statusCode?: number; headers?: unknown };
}

/** HTTP status of an error thrown by any of the cloud SDKs (AWS, gax, Azure core, Kubernetes), if known. */
export function httpStatusOf(error: unknown): number | undefined {
  const e = (error ?? {}) as SdkErrorShape;
  const candidates = [
    e.$metadata?.httpStatusCode,
    e.statusCode,
    e.status,
    e.response?.status,
    e.response?.statusCode,
    e.code,
  ];
  return candidates.find((c): c is number => typeof c === 'number' && c >= 100 && c < 600);
}

export function isNotFound(error: unknown): boolean {
  const e = (error ?? {}) as SdkErrorShape;
  const code = String(e.name ?? '') + ' ' + String(e.code ?? '');
  return httpStatusOf(error) === 404 || /NotFound|ResourceNotFound|NoSuchKey/.test(code);
}

const TIMEOUT = /timeout|timed out|ETIMEDOUT|TimeoutError|AbortError|aborted/i;

/**
 * Turns an SDK failure into a domain error that says which cloud failed, whether a retry can help, and the
 * cloud's own message: the training module records it as the job's reason instead of crashing or hanging.
 */
export function cloudFailure(provider: string, operation: string, error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const e = (error ?? {}) as SdkErrorShape;
  const status = httpStatusOf(error);
  const message = `${provider} ${operation} failed: ${e.message ?? String(error)}`;
  const details = {
    provider,
    operation,
    upstream_status: status ?? null,
    upstream_code: e.code ?? e.name ?? null,
  };
  if (status === 429 || /Throttl|TooManyRequests|RequestLimitExceeded/.test(String(e.name ?? e.code ?? ''))) {
    return new DomainError('upstream_failed', 'PROVIDER_RATE_LIMITED', message, {
      ...details,
      retryable: true,
    });
  }
  if (TIMEOUT.test(`${e.name ?? ''} ${e.code ?? ''} ${e.message ?? ''}`)) {
    return new DomainError('upstream_timeout', 'PROVIDER_TIMEOUT', message, { ...details, retryable: true });
  }
  const retryable = status === undefined || status >= 500;
  return new DomainError('upstream_failed', 'PROVIDER_REQUEST_FAILED', message, { ...details, retryable });
}

/** Runs one cloud call and reports its failure as a domain error. */
export async function cloudCall<T>(provider: string, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw cloudFailure(provider, operation, error);
  }
}

/** The `Retry-After` seconds an SDK error carries, whichever SDK threw it. */
export function retryAfterOf(error: unknown): number | undefined {
  const e = (error ?? {}) as {
    $response?: { headers?: Record<string, string> };
    response?: { headers?: { get?: (n: string) => string | undefined | null } | Record<string, string> };
    headers?: Record<string, string>;
  };
  const headers = e.response?.headers;
  const raw =
    e.$response?.headers?.['retry-after'] ??
    (typeof headers?.get === 'function'
      ? (headers.get('retry-after') ?? undefined)
      : (headers as Record<string, string> | undefined)?.['retry-after']) ??
    e.headers?.['retry-after'];
  if (raw === undefined || raw === null) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(String(raw));
  return Number.isFinite(date) ? Math.max(0, Math.ceil((date - Date.now()) / 1000)) : undefined;
}

/**
 * For `provision`: a throttled, unavailable or timed-out cloud leaves the job queued (the training poller
 * retries after the Retry-After the cloud gave, or a short pause); anything else fails the job with the
 * cloud's reason.
 */
export function launchFailure(provider: string, operation: string, error: unknown): Error {
  if (error instanceof ProviderCapacityError) return error;
  const failure = cloudFailure(provider, operation, error);
  if (failure.details.retryable === true) {
    return new ProviderCapacityError(failure.message, Math.max(1, Math.ceil(retryAfterOf(error) ?? 5)));
  }
  return failure;
}
