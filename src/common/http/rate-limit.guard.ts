import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config.schema';
import { principalOf } from '../auth/api-key.guard';
import { IS_PUBLIC } from '../auth/public.decorator';
import type { MaybePromise } from '../async/maybe-promise';
import { DomainError } from '../errors/domain-error';
import { rawRequest } from './request-id';

/**
 * The per-client request budget: `burst` requests per window of burst × 60 / per_minute seconds, so the
 * sustained rate is `per_minute` and a client may spend `burst` at once. Limits can be changed at run
 * time (runtime settings call `configure`); `per_minute = 0` disables limiting.
 */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

@Injectable()
export class RateLimitPolicy {
  private limiter: RateLimiterMemory | undefined;
  private perMinute = 0;
  private burst = 1;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.configure(config.rate_limit_per_minute, config.rate_limit_burst);
  }

  configure(perMinute: number, burst: number): void {
    this.perMinute = perMinute;
    this.burst = Math.max(1, burst);
    this.limiter =
      perMinute > 0
        ? new RateLimiterMemory({
            points: this.burst,
            duration: Math.max(1, Math.round((this.burst * 60) / perMinute)),
          })
        : undefined;
  }

  get limits(): { per_minute: number; burst: number } {
    return { per_minute: this.perMinute, burst: this.burst };
  }

  /**
   * Takes one request from `client`'s budget; the headers to send, or a rejection when it is exhausted.
   * Without a limit the answer is immediate (no promise on the predict hot path).
   */
  take(client: string): MaybePromise<Readonly<Record<string, string>>> {
    const limiter = this.limiter;
    if (!limiter) return NO_HEADERS;
    return limiter.consume(client).then(
      (res) => this.headers(limiter, res),
      (rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new DomainError(
          'rate_limited',
          'RATE_LIMIT_EXCEEDED',
          'Too many requests.',
          { retry_after_seconds: Math.round(rejection.msBeforeNext / 10) / 100 },
          { ...this.headers(limiter, rejection), 'Retry-After': String(retryAfter) },
        );
      },
    );
  }

  private headers(limiter: RateLimiterMemory, res: RateLimiterRes): Record<string, string> {
    return {
      'RateLimit-Limit': String(limiter.points),
      'RateLimit-Remaining': String(Math.max(0, res.remainingPoints)),
      'RateLimit-Reset': String(Math.ceil(res.msBeforeNext / 1000)),
      'RateLimit-Policy': `${limiter.points};w=${limiter.duration}`,
    };
  }
}

/** Applies RateLimitPolicy per client identity: the API key's name when authenticated, else the IP. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly policy: RateLimitPolicy,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) {
      return true;
    }
    const http = context.switchToHttp();
    const request = http.getRequest<{ ip?: string }>();
    const principal = principalOf(request);
    const client =
      principal?.authenticated === true
        ? `key:${principal.id}`
        : `ip:${request.ip ?? rawRequest(request).socket.remoteAddress ?? 'unknown'}`;
    const headers = await this.policy.take(client);
    const response = http.getResponse<{ header: (name: string, value: string) => unknown }>();
    for (const [name, value] of Object.entries(headers)) response.header(name, value);
    return true;
  }
}
