import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { deflateSync, gzipSync } from 'node:zlib';
import { Logger, type INestApplication } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { AppConfig } from '../config/app-config.schema';
import { ApiKeyAuth } from '../common/auth/api-key-auth';
import { renderError } from '../common/errors/error-response';
import { REQUEST_ID_HEADER, ensureRequestId } from '../common/http/request-id';
import { RateLimitPolicy } from '../common/http/rate-limit.guard';
import { MetricsService } from '../common/metrics/metrics.service';
import { SUBJECT_HEADER, toPredictResponses } from '../inference/inference.controller';
import { PredictBodyPipe, type PredictBody } from '../inference/predict-body.pipe';
import { PredictionService } from '../inference/prediction.service';
import { COMPRESS_THRESHOLD } from './http-hooks';

/*
 * Single-row predict served by the Node server in front of Fastify, like liveness: Nest + Fastify's
 * per-request pipeline (router, guards, pipes, middie, CORS, compression, body parser) cost three times
 * the model run on a small model. The handler reproduces what that pipeline does for this one route —
 * request id, body limit and JSON errors, API key, rate limit, body validation, error format, request
 * metrics, CORS headers of a request without Origin, compression — and takes only requests it fully
 * understands; anything else (an Origin header, another content type, an encoded body, an unusual path)
 * goes to Fastify untouched, before a byte of its body is read.
 */

/** Returns true when it took the request (and will answer it), false to let Fastify have it. */
export type FastHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const PREFIX = '/api/v1/services/';
const SUFFIX = '/predict';
export const PREDICT_ROUTE = '/api/v1/services/:service/predict';
/** Plain service names only (nothing to decode), within find-my-way's default maxParamLength of 100. */
const PLAIN_SERVICE = /^[A-Za-z0-9._~-]{1,100}$/;
const JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const EMPTY_BODY = "Body cannot be empty when content-type is set to 'application/json'";
const INVALID_JSON = "Body is not valid JSON but content-type is set to 'application/json'";

/** The `{service}` of a request this path can serve, or undefined. */
export function fastPredictService(req: IncomingMessage, bodyLimit: number): string | undefined {
  if (req.method !== 'POST') return undefined;
  const url = req.url ?? '';
  if (!url.startsWith(PREFIX)) return undefined;
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  if (!path.endsWith(SUFFIX)) return undefined;
  const service = path.slice(PREFIX.length, path.length - SUFFIX.length);
  if (!PLAIN_SERVICE.test(service)) return undefined;
  const h = req.headers;
  const type = h['content-type'];
  if (type === undefined || !JSON_TYPES.has(type.toLowerCase())) return undefined;
  if (h.origin !== undefined || h['content-encoding'] !== undefined) return undefined;
  // Fastify answers these without reading the body; let it.
  const length = h['content-length'];
  if (length !== undefined && !(Number(length) > 0 && Number(length) <= bodyLimit)) return undefined;
  return service;
}

/** JSON.parse with Fastify's defaults: a `__proto__` key or a `constructor.prototype` is refused. */
export function parseJsonBody(text: string): unknown {
  if (!/__proto__|constructor|\\u/.test(text)) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => {
    if (key === '__proto__') throw new SyntaxError('forbidden prototype property');
    if (
      key === 'constructor' &&
      typeof value === 'object' &&
      value !== null &&
      Object.prototype.hasOwnProperty.call(value, 'prototype')
    ) {
      throw new SyntaxError('forbidden prototype property');
    }
    return value;
  });
}

/** @fastify/compress's choice for `encodings: ['gzip', 'deflate']` (`*` and x-gzip count as gzip). */
export function negotiateEncoding(header: string | undefined): 'gzip' | 'deflate' | undefined {
  if (!header) return undefined;
  let best: 'gzip' | 'deflate' | undefined;
  let bestQ = 0;
  for (const part of header
    .toLowerCase()
    .replace(/\*|x-gzip/g, 'gzip')
    .split(',')) {
    const [token = '', ...params] = part.split(';').map((s) => s.trim());
    if (token !== 'gzip' && token !== 'deflate') continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q > 0)) continue;
    if (q > bestQ || (q === bestQ && token === 'gzip')) {
      best = token;
      bestQ = q;
    }
  }
  return best;
}

interface Reply {
  status: number;
  payload: unknown;
  headers?: Readonly<Record<string, string>>;
  close?: boolean;
}

export class PredictFastPath {
  private readonly logger = new Logger('HttpError');
  private readonly bodyPipe = new PredictBodyPipe();
  /** Name, value, name, value: what @fastify/cors adds to a request without Origin (besides `vary`). */
  private readonly corsHeaders: string[];
  private readonly taken: Counter;
  private readonly observe: (statusCode: number, seconds: number) => void;

  constructor(
    private readonly server: Server,
    private readonly config: AppConfig,
    private readonly auth: ApiKeyAuth,
    private readonly rateLimit: RateLimitPolicy,
    private readonly predictions: PredictionService,
    metrics: MetricsService,
    exposedHeaders: string[],
  ) {
    this.corsHeaders = [
      'access-control-allow-credentials',
      'true',
      'access-control-expose-headers',
      exposedHeaders.join(', '),
    ];
    this.observe = metrics.routeObserver('POST', PREDICT_ROUTE);
    // Shows operators (and tests) that predict traffic takes this path rather than Fastify's.
    this.taken = new Counter({
      name: 'artenic_predict_fast_path_requests_total',
      help: 'Single-row predict requests answered in front of Fastify.',
      registers: [metrics.registry],
    });
  }

  readonly handle: FastHandler = (req, res) => {
    // While closing, Fastify answers 503 (return503OnClosing).
    if (!this.server.listening) return false;
    const service = fastPredictService(req, this.config.body_limit_bytes);
    if (service === undefined) return false;
    const started = performance.now();
    this.taken.inc();
    const requestId = ensureRequestId(req);
    const respond = (reply: Reply) => this.send(req, res, reply, started);
    this.readBody(req, (failure, raw) => {
      if (failure) respond(failure);
      else this.serve(req, service, requestId, raw ?? '', respond);
    });
    return true;
  };

  /** Buffers the body under the limit; a failure is answered as Fastify's body parser would. */
  private readBody(req: IncomingMessage, done: (failure: Reply | undefined, text?: string) => void): void {
    const limit = this.config.body_limit_bytes;
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
    };
    const fail = (error: object) => {
      cleanup();
      done({ ...this.rendered(error, req), close: true });
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) fail({ statusCode: 413, message: 'Request body is too large' });
      else chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (received === 0)
        return done({ ...this.rendered({ statusCode: 400, message: EMPTY_BODY }, req), close: true });
      done(undefined, Buffer.concat(chunks, received).toString('utf8'));
    };
    const onError = (error: Error) => fail({ statusCode: 400, message: error.message });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  }

  /**
   * The Nest route, step for step: ApiKeyGuard, RateLimitGuard, PredictBodyPipe, the controller. Answers
   * through `respond` from the callbacks of the steps that wait: with the limiter off and the target
   * cached, the model run is the only promise on the way.
   */
  private serve(
    req: IncomingMessage,
    service: string,
    requestId: string,
    text: string,
    respond: (reply: Reply) => void,
  ): void {
    let parsed: unknown;
    try {
      parsed = parseJsonBody(text);
    } catch {
      respond({ ...this.rendered({ statusCode: 400, message: INVALID_JSON }, req), close: true });
      return;
    }
    const failed = (error: unknown) => respond(this.failure(error, requestId));
    try {
      const principal = this.auth.authenticate(req.headers.authorization);
      const client = principal.authenticated ? `key:${principal.id}` : `ip:${this.clientIp(req)}`;
      const limit = this.rateLimit.take(client);
      if (limit instanceof Promise) {
        limit.then((headers) => this.predict(req, service, requestId, parsed, headers, respond), failed);
      } else this.predict(req, service, requestId, parsed, limit, respond);
    } catch (error) {
      failed(error);
    }
  }

  private predict(
    req: IncomingMessage,
    service: string,
    requestId: string,
    parsed: unknown,
    limitHeaders: Readonly<Record<string, string>>,
    respond: (reply: Reply) => void,
  ): void {
    // The guard set its headers on the response before the pipe or the controller failed.
    const failed = (error: unknown) => {
      const failure = this.failure(error, requestId);
      respond({ ...failure, headers: { ...limitHeaders, ...failure.headers } });
    };
    let body: PredictBody;
    try {
      body = this.bodyPipe.transform(parsed);
    } catch (error) {
      failed(error);
      return;
    }
    const subjectHeader = req.headers[SUBJECT_HEADER];
    this.predictions
      .predict({
        service,
        rows: [body.data],
        modelId: body.model_id,
        subject: (typeof subjectHeader === 'string' && subjectHeader) || body.subject || requestId,
        request: { data: body.data },
      })
      .then(
        (outcome) => respond({ status: 200, payload: toPredictResponses(outcome)[0], headers: limitHeaders }),
        failed,
      );
  }

  /** Fastify's `request.ip`: the socket address, or the client end of X-Forwarded-For behind a proxy. */
  private clientIp(req: IncomingMessage): string {
    const forwarded = this.config.trust_proxy ? req.headers['x-forwarded-for'] : undefined;
    const first = typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined;
    return first || req.socket.remoteAddress || 'unknown';
  }

  private rendered(error: unknown, req: IncomingMessage): Reply {
    return this.failure(error, ensureRequestId(req));
  }

  private failure(error: unknown, requestId: string): Reply {
    const rendered = renderError(error, requestId);
    if (rendered.unexpected) {
      this.logger.error({ err: error, request_id: requestId }, 'Unhandled error while serving a request');
    }
    return { status: rendered.status, payload: rendered.body, headers: rendered.headers };
  }

  /**
   * Writes status, headers and body in one `writeHead` + `end` (a flat header list: no per-header
   * `setHeader` bookkeeping), with the headers Fastify would send: request id, CORS, the reply's own.
   */
  private send(req: IncomingMessage, res: ServerResponse, reply: Reply, started: number): void {
    if (res.headersSent || res.destroyed) return;
    try {
      const json = JSON.stringify(reply.payload);
      const length = Buffer.byteLength(json);
      const encoding =
        length >= COMPRESS_THRESHOLD && req.headers['x-no-compression'] === undefined
          ? negotiateEncoding(req.headers['accept-encoding'])
          : undefined;
      const headers = [
        REQUEST_ID_HEADER,
        ensureRequestId(req),
        'vary',
        encoding ? 'Origin, accept-encoding' : 'Origin',
        ...this.corsHeaders,
      ];
      if (reply.headers) for (const name in reply.headers) headers.push(name, reply.headers[name]!);
      if (reply.close) headers.push('connection', 'close');
      headers.push('content-type', JSON_CONTENT_TYPE);
      if (encoding) {
        const body = encoding === 'gzip' ? gzipSync(json) : deflateSync(json);
        headers.push('content-encoding', encoding, 'content-length', String(body.length));
        res.writeHead(reply.status, headers);
        res.end(body);
      } else {
        headers.push('content-length', String(length));
        res.writeHead(reply.status, headers);
        res.end(json);
      }
    } catch (error) {
      this.logger.error({ err: error, request_id: ensureRequestId(req) }, 'Could not send a predict answer');
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      }
    } finally {
      this.observe(res.statusCode, (performance.now() - started) / 1000);
    }
  }
}

/** Builds the fast path from the initialised application's services. */
export function createPredictFastPath(
  app: INestApplication,
  config: AppConfig,
  exposedHeaders: string[],
): PredictFastPath {
  return new PredictFastPath(
    app.getHttpServer() as Server,
    config,
    app.get(ApiKeyAuth),
    app.get(RateLimitPolicy),
    app.get(PredictionService),
    app.get(MetricsService),
    exposedHeaders,
  );
}
