import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/app-config.schema';
import { DomainError } from '../../../common/errors/domain-error';

type Work = () => Promise<unknown>;

/**
 * One circuit breaker per remote backend (base URL + remote model): when a backend keeps failing, calls to
 * it are refused at once with 503 for `breaker_reset_ms` instead of each waiting for its timeout; then one
 * trial call decides whether it closes again. Errors that say the request was wrong (4xx) do not count.
 */
@Injectable()
export class BackendBreakers implements OnApplicationShutdown {
  private readonly breakers = new Map<string, CircuitBreaker<[Work], unknown>>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async call<T>(backend: string, work: () => Promise<T>): Promise<T> {
    const breaker = this.breakerFor(backend);
    try {
      return (await breaker.fire(work)) as T;
    } catch (error) {
      if ((error as { code?: string }).code === 'EOPENBREAKER') {
        const retryAfter = Math.ceil(this.config.inference.breaker_reset_ms / 1000);
        throw new DomainError(
          'unavailable',
          'BACKEND_CIRCUIT_OPEN',
          `model backend ${backend} is failing; calls are suspended for up to ${retryAfter}s`,
          { backend },
          { 'Retry-After': String(retryAfter) },
        );
      }
      throw error;
    }
  }

  states(): Record<string, string> {
    return Object.fromEntries(
      [...this.breakers].map(([k, b]) => [k, b.opened ? 'open' : b.halfOpen ? 'half_open' : 'closed']),
    );
  }

  onApplicationShutdown(): void {
    for (const b of this.breakers.values()) b.shutdown();
  }

  private breakerFor(backend: string): CircuitBreaker<[Work], unknown> {
    let breaker = this.breakers.get(backend);
    if (!breaker) {
      const c = this.config.inference;
      breaker = new CircuitBreaker((work: Work) => work(), {
        timeout: false,
        errorThresholdPercentage: c.breaker_error_threshold_pct,
        volumeThreshold: c.breaker_volume_threshold,
        resetTimeout: c.breaker_reset_ms,
        rollingCountTimeout: c.breaker_window_ms,
        errorFilter: (error: unknown) => error instanceof DomainError && error.kind === 'invalid',
      });
      this.breakers.set(backend, breaker);
    }
    return breaker;
  }
}
