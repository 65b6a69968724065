import type { IncomingMessage } from 'node:http';
import { Logger as NestLogger, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from '../app.module';
import type { AppConfig } from '../config/app-config.schema';
import { ApiKeyAuth } from '../common/auth/api-key-auth';
import { requestIdFromHeaders } from '../common/http/request-id';
import { AuthenticatedWsAdapter } from '../events/authenticated-ws.adapter';
import {
  attachFastHandler,
  configureExpress,
  configureFastify,
  expressErrorTail,
  serverWithLiveness,
} from './http-hooks';
import { createPredictFastPath } from './predict-fast-path';
import { mountOpenApi } from './openapi';
import { loadPlugins } from '../plugins/plugin-loader';
import { PluginsModule } from '../plugins/plugins.module';

export interface CreateAppOptions {
  /** Extra modules (plugins, test fixtures). */
  imports?: DynamicModule['imports'];
}

const EXPOSED_HEADERS = [
  'X-Request-ID',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
];

/** Builds the application exactly as production runs it; main.ts and the e2e tests both use this. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<INestApplication> {
  // Plugins load before the module graph is built, so that their Nest modules become part of it.
  const plugins = await loadPlugins(config.plugins);
  const module = AppModule.forRoot(config, [PluginsModule.forRoot(plugins), ...(options.imports ?? [])]);
  const app =
    config.http_adapter === 'express'
      ? await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, bodyParser: false })
      : await NestFactory.create<NestFastifyApplication>(
          module,
          new FastifyAdapter({
            bodyLimit: config.body_limit_bytes,
            trustProxy: config.trust_proxy,
            return503OnClosing: true,
            forceCloseConnections: 'idle',
            genReqId: (req: unknown) => requestIdFromHeaders(req as IncomingMessage),
            serverFactory: serverWithLiveness,
          }),
          { bufferLogs: true },
        );
  app.useLogger(app.get(Logger));
  app.flushLogs();
  if (config.http_adapter === 'express') configureExpress(app as NestExpressApplication, config);
  else await configureFastify(app as NestFastifyApplication, config);
  app.enableCors({
    origin: config.cors_origins,
    credentials: true,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  app.useWebSocketAdapter(new AuthenticatedWsAdapter(app, app.get(ApiKeyAuth)));
  mountOpenApi(app);
  await app.init();
  if (config.http_adapter === 'express') expressErrorTail(app);
  else if (config.inference.fast_path) {
    attachFastHandler(app.getHttpServer(), createPredictFastPath(app, config, EXPOSED_HEADERS).handle);
  }
  return app;
}

export const bootLogger = new NestLogger('Bootstrap');
