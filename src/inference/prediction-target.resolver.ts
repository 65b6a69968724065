import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { EventRelay } from '../events/event-relay';
import { DomainError } from '../common/errors/domain-error';
import { MODEL_REGISTRY, type ModelRegistry, type ModelVersionView } from '../registry/model-registry.port';
import { andThen, type MaybePromise } from '../common/async/maybe-promise';
import { PredictionRouters, type RouteDecision, type RouteRequest } from './routing/prediction-routing.port';
import { EnsembleRunners } from './routing/ensemble-runner.port';

export type PredictionTarget =
  | { kind: 'model'; version: ModelVersionView; variant?: string; ab_test_id?: string }
  | {
      kind: 'ensemble';
      ensemble_id: string;
      ensemble_version?: number;
      variant?: string;
      ab_test_id?: string;
    };

/**
 * Decides who answers a service call; the order is documented on PredictionRouters (explicit model_id,
 * then routers, then the service's production ensemble, then its production model version).
 */
@Injectable()
export class PredictionTargetResolver implements OnApplicationBootstrap, OnModuleDestroy {
  /** service → its production version, reused for `resolution_cache_ms` and dropped on any lifecycle event. */
  private production = new Map<string, { version: ModelVersionView; expires: number }>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    private readonly routers: PredictionRouters,
    private readonly ensembles: EnsembleRunners,
    private readonly relay: EventRelay,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.relay.subscribe(['lifecycle'], () => (this.production = new Map()));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /**
   * Who answers the call. Synchronous (and allocation-light) when routing, the service's ensemble and its
   * production version are all cached, which is every call but the first after a change; may throw.
   */
  resolve(request: RouteRequest, modelId?: string | null): MaybePromise<PredictionTarget> {
    if (modelId) return this.registry.resolve(modelId).then((version) => ({ kind: 'model', version }));
    return andThen(this.routers.route(request), (decision) => this.afterRouting(request, decision));
  }

  private afterRouting(
    request: RouteRequest,
    decision: RouteDecision | undefined,
  ): MaybePromise<PredictionTarget> {
    if (decision?.model_id) {
      return this.registry.resolve(decision.model_id).then((version) => ({
        kind: 'model',
        version,
        variant: decision.variant,
        ab_test_id: decision.ab_test_id,
      }));
    }
    if (decision?.ensemble_id) {
      return {
        kind: 'ensemble',
        ensemble_id: decision.ensemble_id,
        ensemble_version: decision.ensemble_version,
        variant: decision.variant,
        ab_test_id: decision.ab_test_id,
      };
    }
    return andThen(this.ensembles.servingEnsemble(request.service), (ensemble) =>
      ensemble
        ? { kind: 'ensemble', ensemble_id: ensemble.id, ensemble_version: ensemble.version }
        : andThen(this.productionVersion(request.service), (version) => {
            if (version) return { kind: 'model', version };
            throw new DomainError(
              'not_found',
              'SERVICE_NOT_FOUND',
              `no model serves '${request.service}': promote a version of a model with service '${request.service}' to production`,
              { service: request.service },
            );
          }),
    );
  }

  private productionVersion(service: string): MaybePromise<ModelVersionView | undefined> {
    const cached = this.production.get(service);
    if (cached && cached.expires > Date.now()) return cached.version;
    return this.loadProductionVersion(service);
  }

  private async loadProductionVersion(service: string): Promise<ModelVersionView | undefined> {
    const ttl = this.config.inference.resolution_cache_ms;
    const cache = this.production;
    const version = await this.registry.productionVersionForService(service);
    // Not into a cache a lifecycle event emptied meanwhile: the version read may already be stale.
    if (version && ttl > 0 && cache === this.production) {
      cache.set(service, { version, expires: Date.now() + ttl });
    }
    return version;
  }

  /** A specific version of the model serving a service (OIP `/versions/{v}`): `<model name>_v<v>`. */
  async versionOfService(service: string, version: string): Promise<ModelVersionView> {
    const current = await this.registry.productionVersionForService(service);
    const name = current?.name ?? service;
    const found = await this.registry.resolve(`${name}_v${version}`);
    if (found.service !== service) {
      throw new DomainError(
        'not_found',
        'MODEL_VERSION_NOT_FOUND',
        `service '${service}' has no version ${version}`,
        {
          service,
          version,
        },
      );
    }
    return found;
  }
}
