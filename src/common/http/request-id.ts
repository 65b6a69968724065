import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

type WithId = IncomingMessage & { id?: unknown };

/**
 * The request's correlation id, assigned once per request at the raw Node level so that every layer
 * (access log, error body, services) sees the same value. A client-sent id is kept when it is a sane
 * token (bounded length and charset, unlike the reference); otherwise a 32-hex id is generated.
 */
export function ensureRequestId(req: IncomingMessage, res?: ServerResponse): string {
  const r = req as WithId;
  const id = typeof r.id === 'string' ? r.id : requestIdFromHeaders(req);
  r.id = id;
  if (res && !res.headersSent && !res.hasHeader(REQUEST_ID_HEADER)) res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The client's id when it is acceptable, else a fresh one (Fastify's genReqId uses this too). */
export function requestIdFromHeaders(req: IncomingMessage): string {
  const sent = req.headers[REQUEST_ID_HEADER];
  const candidate = Array.isArray(sent) ? sent[0] : sent;
  return candidate && ACCEPTABLE.test(candidate) ? candidate : randomUUID().replace(/-/g, '');
}

/** The raw Node request behind a Fastify or Express request object. */
export function rawRequest(request: unknown): IncomingMessage {
  const r = request as { raw?: IncomingMessage };
  return r.raw ?? (request as IncomingMessage);
}

export function rawResponse(response: unknown): ServerResponse {
  const r = response as { raw?: ServerResponse };
  return r.raw ?? (response as ServerResponse);
}

export const requestIdOf = (request: unknown): string => ensureRequestId(rawRequest(request));
