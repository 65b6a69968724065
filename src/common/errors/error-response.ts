import { HttpException } from '@nestjs/common';
import { DomainError } from './domain-error';
import { CODE_BY_STATUS, STATUS_BY_KIND } from './error-status';

export interface ErrorBody {
  error: { code: string; message: string; details: unknown; request_id: string };
}

export interface RenderedError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** True when this is our bug rather than the client's: logged with its stack. */
  unexpected: boolean;
}

/** Turns anything thrown into the one error format. */
export function renderError(error: unknown, requestId: string): RenderedError {
  if (error instanceof DomainError) {
    return shape(
      STATUS_BY_KIND[error.kind],
      error.code,
      error.message,
      error.details,
      requestId,
      error.headers,
    );
  }
  const framework = frameworkError(error);
  if (framework) return shape(framework.status, framework.code, framework.message, {}, requestId);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : typeof (response as { message?: unknown }).message === 'string'
          ? (response as { message: string }).message
          : error.message;
    return shape(status, CODE_BY_STATUS[status] ?? 'HTTP_ERROR', message, {}, requestId);
  }
  return {
    ...shape(500, 'INTERNAL_SERVER_ERROR', 'An unexpected error occurred.', {}, requestId),
    unexpected: true,
  };
}

function shape(
  status: number,
  code: string,
  message: string,
  details: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): RenderedError {
  return {
    status,
    headers,
    unexpected: false,
    body: { error: { code, message, details, request_id: requestId } },
  };
}

/**
 * Errors raised by Fastify, Express or body parsers before our code runs carry a 4xx status:
 * malformed JSON, a body over the limit, an unsupported content type.
 */
function frameworkError(error: unknown): { status: number; code: string; message: string } | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as {
    statusCode?: unknown;
    status?: unknown;
    code?: unknown;
    type?: unknown;
    message?: unknown;
  };
  const status =
    typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : 0;
  if (status < 400 || status > 499) return undefined;
  const message = typeof e.message === 'string' ? e.message : 'Bad request';
  if (status === 413) return { status, code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large.' };
  const isJsonError =
    e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    e.type === 'entity.parse.failed' ||
    error instanceof SyntaxError ||
    (status === 400 && /\bJSON\b/.test(message));
  if (isJsonError) {
    return { status: 400, code: 'INVALID_JSON', message: `Malformed JSON body: ${message}` };
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return {
      status: 400,
      code: 'INVALID_JSON',
      message: 'Body cannot be empty when content-type is application/json.',
    };
  }
  return { status, code: CODE_BY_STATUS[status] ?? 'BAD_REQUEST', message };
}
