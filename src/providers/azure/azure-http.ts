import type { AppConfig } from '@app/config/app-config.schema';

export type AzureConfig = AppConfig['azure'];

/** An Azure REST failure shaped like the SDKs' errors, so `cloudFailure` and `retryAfterOf` read it. */
export class AzureRestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AzureRestError';
  }
}

export interface AzureRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface AzureHttpOptions {
  timeoutMs: number;
  maxAttempts: number;
}

const RETRYABLE = (status: number) => status === 429 || status === 408 || status >= 500;

/**
 * One HTTP call to an Azure endpoint with a timeout per try, and retries of throttled (honouring Retry-After)
 * or failed (5xx, timeout) tries; anything else is thrown as an `AzureRestError` with the service's code.
 */
export async function azureFetch(request: AzureRequest, options: AzureHttpOptions): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      if (attempt >= options.maxAttempts) throw error;
      await pause(attempt, undefined);
      continue;
    }
    if (response.ok) return response;
    const failure = await restError(response);
    if (!RETRYABLE(response.status) || attempt >= options.maxAttempts) throw failure;
    await pause(attempt, failure.headers['retry-after']);
  }
}

async function restError(response: Response): Promise<AzureRestError> {
  const text = await response.text().catch(() => '');
  const headers = Object.fromEntries(response.headers.entries());
  let code = `HTTP${response.status}`;
  let message = text.slice(0, 300) || response.statusText;
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // Blob storage answers in XML: <Code>…</Code><Message>…</Message>
    const xmlCode = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    if (xmlCode) code = xmlCode;
    const xmlMessage = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    if (xmlMessage) message = xmlMessage;
  }
  return new AzureRestError(response.status, code, `${code}: ${message}`, headers);
}

/** Waits what the service asked for (capped at 30 s), else a short exponential pause. */
function pause(attempt: number, retryAfter: string | undefined): Promise<void> {
  const asked = Number(retryAfter);
  const ms = Number.isFinite(asked) && asked >= 0 ? Math.min(asked, 30) * 1000 : 250 * 2 ** (attempt - 1);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
