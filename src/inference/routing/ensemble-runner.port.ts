import { Injectable } from '@nestjs/common';
import type { MaybePromise } from '../../common/async/maybe-promise';
import { DomainError } from '../../common/errors/domain-error';
import type { BatchTensor } from '../runtime/model-runtime.port';

export interface EnsembleMemberOutcome {
  model_id: string;
  status: 'ok' | 'timeout' | 'error';
  latency_ms: number;
  error?: string;
}

export interface EnsembleAnswer {
  ensemble_id: string;
  ensemble_version: number;
  rows: Array<Record<string, unknown>>;
  tensors?: BatchTensor[];
  members: EnsembleMemberOutcome[];
}

/** What the gateway needs from the ensembles module (which depends on the gateway, hence a seam). */
export interface EnsembleRunner {
  /** The ensemble (and its current version) in `production` for the service, if any (from memory when cached). */
  servingEnsemble(service: string): MaybePromise<{ id: string; version: number } | undefined>;
  predict(
    ensembleId: string,
    version: number | undefined,
    rows: Array<Record<string, unknown>>,
  ): Promise<EnsembleAnswer>;
}

/** Holds the ensemble runner that EnsemblesModule registers at start; absent, services map to models only. */
@Injectable()
export class EnsembleRunners {
  private runner: EnsembleRunner | undefined;

  bind(runner: EnsembleRunner): void {
    this.runner = runner;
  }

  servingEnsemble(service: string): MaybePromise<{ id: string; version: number } | undefined> {
    return this.runner?.servingEnsemble(service);
  }

  get(): EnsembleRunner {
    if (!this.runner)
      throw new DomainError('unavailable', 'ENSEMBLES_UNAVAILABLE', 'ensembles are not enabled');
    return this.runner;
  }
}
