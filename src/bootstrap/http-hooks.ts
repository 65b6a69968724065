import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Request, Response, NextFunction } from 'express';
import compression from 'compression';
import fastifyCompress from '@fastify/compress';
import type { AppConfig } from '../config/app-config.schema';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { REQUEST_ID_HEADER, ensureRequestId } from '../common/http/request-id';
import { MetricsService } from '../common/metrics/metrics.service';
import { renderError } from '../common/errors/error-response';
import type { FastHandler } from './predict-fast-path';

/*
 * The only adapter-specific code outside main.ts. Both adapters get the same behaviour: the request id is
 * assigned before anything else runs (so even a 404 or a body-parser error carries it), every request is
 * timed by route template, errors raised by the server before Nest sees the request use the one error
 * format, and responses over 1 KiB are compressed.
 */

export const COMPRESS_THRESHOLD = 1024;

/**
 * Liveness (`GET /health`) answers from the HTTP server itself, outside Nest's routing pipeline: probes
 * hit it constantly, it does no I/O, and it must answer even when the rest of the stack is saturated.
 * It is documented in the OpenAPI document by openapi.ts.
 */
export const LIVENESS_BODY = JSON.stringify({ status: 'healthy' });
const LIVENESS_LENGTH = String(Buffer.byteLength(LIVENESS_BODY));

const FAST_HANDLERS = new WeakMap<Server, FastHandler>();

/**
 * Fastify's serverFactory: liveness is answered by the Node server, so is single-row predict once
 * `attachFastHandler` has given it a handler (after the application is initialised); everything else,
 * and whatever that handler declines, goes to Fastify.
 */
export function serverWithLiveness(handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && (req.url === '/health' || req.url === '/health/')) {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': LIVENESS_LENGTH,
        [REQUEST_ID_HEADER]: ensureRequestId(req),
      });
      res.end(LIVENESS_BODY);
      return;
    }
    const fast = FAST_HANDLERS.get(server);
    if (fast !== undefined && fast(req, res)) return;
    handler(req, res);
  });
  return server;
}

/** Puts `handler` in front of Fastify on a server made by serverWithLiveness. */
export function attachFastHandler(server: Server, handler: FastHandler): void {
  FAST_HANDLERS.set(server, handler);
}

export async function configureFastify(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    ensureRequestId(request.raw, reply.raw);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  // Binary uploads reach controllers as a stream, never buffered whole.
  fastify.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  await app.register(fastifyCompress, { threshold: COMPRESS_THRESHOLD, encodings: ['gzip', 'deflate'] });
  void config;
}

export function configureExpress(app: NestExpressApplication, config: AppConfig): void {
  const metrics = app.get(MetricsService);
  if (config.trust_proxy) app.set('trust proxy', true);
  app.use((req: Request, res: Response, next: NextFunction) => {
    ensureRequestId(req, res);
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = req.route as { path?: string } | undefined;
      const template = route?.path ? `${req.baseUrl}${route.path}` : undefined;
      metrics.observeRequest(
        req.method,
        template,
        res.statusCode,
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  });
  app.use(compression({ threshold: COMPRESS_THRESHOLD }));
  app.use('/health', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || (req.path !== '/' && req.path !== '')) return next();
    res.type('application/json').send(LIVENESS_BODY);
  });
  app.useBodyParser('json', { limit: config.body_limit_bytes });
  app.useBodyParser('urlencoded', { limit: config.body_limit_bytes, extended: true });
}

/** Body-parser errors on Express reach Nest's filter through this last error middleware. */
export function expressErrorTail(app: INestApplication): void {
  (app as NestExpressApplication).use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const rendered = renderError(error, ensureRequestId(req, res));
    res.status(rendered.status).set(rendered.headers).json(rendered.body);
  });
}
