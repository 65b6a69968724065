import { Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ApiKeyAuth } from './auth/api-key-auth';
import { ApiKeyGuard } from './auth/api-key.guard';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { RateLimitGuard, RateLimitPolicy } from './http/rate-limit.guard';
import { RequestValidationPipe } from './http/validation';
import { Lifecycle } from './lifecycle';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { PeriodicTasks } from './periodic/periodic-tasks';
import { IdempotencyKeys } from './http/idempotency-keys';

/**
 * Cross-cutting HTTP concerns, registered through APP_* tokens so that tests get production behaviour.
 * Guard order: authentication, then the per-client rate limit.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    ApiKeyAuth,
    RateLimitPolicy,
    Lifecycle,
    MetricsService,
    PeriodicTasks,
    IdempotencyKeys,
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_PIPE, useClass: RequestValidationPipe },
  ],
  exports: [ApiKeyAuth, RateLimitPolicy, Lifecycle, MetricsService, PeriodicTasks, IdempotencyKeys],
})
export class CommonModule {}
