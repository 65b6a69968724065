import { Injectable } from '@nestjs/common';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The application's Prometheus registry (one per application instance, so tests can run several apps in
 * one process). Domain modules register their own gauges and counters on `registry`.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'artenic_' });
    this.requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests by method, route template and status.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
  }

  /** Records one request; `route` is the template (`/api/v1/models/:model_id`), never the raw path. */
  observeRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    this.requestDuration.observe(
      { method, route: route ?? '<unmatched>', status_code: String(statusCode) },
      seconds,
    );
  }

  /**
   * `observeRequest` for one route, for a handler outside the frameworks' hooks (the predict fast path):
   * the label set per status is built once instead of on every request.
   */
  routeObserver(method: string, route: string): (statusCode: number, seconds: number) => void {
    const byStatus = new Map<number, { method: string; route: string; status_code: string }>();
    return (statusCode, seconds) => {
      let labels = byStatus.get(statusCode);
      if (!labels) {
        labels = { method, route, status_code: String(statusCode) };
        byStatus.set(statusCode, labels);
      }
      this.requestDuration.observe(labels, seconds);
    };
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
