import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Lifecycle } from '../common/lifecycle';
import { EventsGateway } from '../events/events.gateway';

/**
 * The first step of shutdown, before any module releases its resources: readiness flips to 503,
 * WebSocket clients get close code 1001, and the HTTP server stops accepting and waits for in-flight
 * requests. Background loops stop in their own hooks; the database closes last.
 */
@Injectable()
export class GracefulShutdown implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');

  constructor(
    private readonly lifecycle: Lifecycle,
    private readonly gateway: EventsGateway,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    this.lifecycle.beginDraining();
    this.gateway.beforeApplicationShutdown();
    const started = Date.now();
    await this.adapterHost.httpAdapter?.close();
    this.logger.log(`HTTP server drained in ${Date.now() - started} ms`);
  }
}
