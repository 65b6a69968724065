import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type EntityManager, type Repository } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config.schema';
import type { MaybePromise } from '../../common/async/maybe-promise';
import { EventRelay } from '../../events/event-relay';
import {
  PredictionRouters,
  type RouteDecision,
  type RouteRequest,
} from '../../inference/routing/prediction-routing.port';
import type { ModelReference, ModelReferenceSource } from '../../registry/model-references.service';
import { AbTestEntity } from '../ab-test.entities';
import { assignVariant } from './variant-assignment';

/**
 * Sends a service's traffic through its running test: the subject's hash picks the variant (sticky per
 * subject). The running test per service is cached briefly; any `ab_test` event drops the cache, on every
 * replica (the relay carries events across replicas). Also tells the registry's retire guard which versions
 * live tests use.
 */
@Injectable()
export class AbTestRouter implements OnApplicationBootstrap, OnModuleDestroy, ModelReferenceSource {
  readonly name = 'ab_tests';
  private cache = new Map<string, { test: AbTestEntity | null; expires: number }>();
  private cleanup: Array<() => void> = [];

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(AbTestEntity) private readonly tests: Repository<AbTestEntity>,
    private readonly routers: PredictionRouters,
    private readonly relay: EventRelay,
  ) {}

  onApplicationBootstrap(): void {
    this.cleanup.push(this.routers.register('ab-tests', (r) => this.route(r)));
    this.cleanup.push(this.relay.subscribe(['ab_test'], () => this.invalidate()));
  }

  onModuleDestroy(): void {
    this.cleanup.forEach((c) => c());
  }

  invalidate(): void {
    this.cache = new Map();
  }

  /** Synchronous while the service's running test is cached (the hot path); a promise on a miss. */
  route(request: RouteRequest): MaybePromise<RouteDecision | undefined> {
    const cached = this.cache.get(request.service);
    if (cached && cached.expires > Date.now()) return this.decide(cached.test, request);
    return this.loadRunningTest(request.service).then((test) => this.decide(test, request));
  }

  private decide(test: AbTestEntity | null, request: RouteRequest): RouteDecision | undefined {
    if (!test) return undefined;
    const arms = Object.entries(test.variants).map(([name, v]) => ({ name, ...v }));
    const arm = assignVariant(test.id, request.subject, arms);
    return {
      ...(arm.model_id ? { model_id: arm.model_id } : {}),
      ...(arm.ensemble_id ? { ensemble_id: arm.ensemble_id, ensemble_version: arm.ensemble_version } : {}),
      variant: arm.name,
      ab_test_id: test.id,
    };
  }

  async find(modelId: string, manager?: EntityManager): Promise<ModelReference[]> {
    const tests = manager ? manager.getRepository(AbTestEntity) : this.tests;
    const live = await tests.find({ where: { status: In(['running', 'paused']) } });
    return live
      .filter((t) => Object.values(t.variants).some((v) => v.model_id === modelId))
      .map((t) => ({
        kind: 'ab_test',
        id: t.id,
        description: `A/B test '${t.name}' (${t.status}) routes traffic to ${modelId}`,
      }));
  }

  private async loadRunningTest(service: string): Promise<AbTestEntity | null> {
    const cache = this.cache;
    const test = await this.tests.findOneBy({ service, status: 'running' });
    const ttl = this.config.ab_test.routing_cache_ms;
    // Not into a cache an event emptied meanwhile: the row read may already be stale.
    if (ttl > 0 && cache === this.cache) cache.set(service, { test, expires: Date.now() + ttl });
    return test;
  }
}
