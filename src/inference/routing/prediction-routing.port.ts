import { Injectable, Logger } from '@nestjs/common';
import type { MaybePromise } from '../../common/async/maybe-promise';

/** What a router is asked: the service called, who is calling (stable per end user) and the request. */
export interface RouteRequest {
  service: string;
  /** `X-Artenic-Subject` header, else the body's `subject`, else the request id. */
  subject: string;
  request: { data?: Record<string, unknown>; batch?: Array<Record<string, unknown>> };
}

/** Where a router sends the request; `undefined` lets the next router (or the default) decide. */
export interface RouteDecision {
  model_id?: string;
  ensemble_id?: string;
  ensemble_version?: number;
  /** The arm chosen (A/B variant name), echoed in the response and recorded with the prediction. */
  variant?: string;
  ab_test_id?: string;
}

export type PredictionRouter = (request: RouteRequest) => MaybePromise<RouteDecision | undefined>;

/**
 * The seam through which traffic routing (A/B tests, canaries) plugs into service resolution. Resolution
 * order for `POST /services/{service}/predict`:
 *   1. an explicit `model_id` in the request (an operator pinning a version must get that version — the
 *      reference let an A/B variant override it, which made debugging a variant impossible);
 *   2. the routers, in registration order: the first decision wins;
 *   3. the ensemble in `production` for the service;
 *   4. the model version in `production` for the service; otherwise 404 naming the service.
 */
@Injectable()
export class PredictionRouters {
  private readonly logger = new Logger('PredictionRouters');
  private readonly routers = new Map<string, PredictionRouter>();
  /** The routers in registration order, as an array the hot path walks without allocating. */
  private ordered: Array<[string, PredictionRouter]> = [];

  /** Adds a router under a unique name; returns the function that removes it. */
  register(name: string, router: PredictionRouter): () => void {
    if (this.routers.has(name)) throw new Error(`prediction router ${name} is already registered`);
    this.routers.set(name, router);
    this.ordered = [...this.routers];
    return () => {
      this.routers.delete(name);
      this.ordered = [...this.routers];
    };
  }

  /** The first decision of the routers, synchronously when every router answered from memory. */
  route(request: RouteRequest, from = 0): MaybePromise<RouteDecision | undefined> {
    const routers = this.ordered;
    for (let i = from; i < routers.length; i += 1) {
      const [name, router] = routers[i]!;
      const decision = router(request);
      if (decision instanceof Promise) {
        return decision.then((d) => (this.decided(name, request, d) ? d : this.route(request, i + 1)));
      }
      if (this.decided(name, request, decision)) return decision;
    }
    return undefined;
  }

  private decided(name: string, request: RouteRequest, decision: RouteDecision | undefined): boolean {
    if (!decision || !(decision.model_id || decision.ensemble_id)) return false;
    this.logger.debug(`${name} routed ${request.service} for ${request.subject}`);
    return true;
  }
}
