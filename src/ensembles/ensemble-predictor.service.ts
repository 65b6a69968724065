import { performance } from 'node:perf_hooks';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { MaybePromise } from '../common/async/maybe-promise';
import { DomainError } from '../common/errors/domain-error';
import { EventRelay } from '../events/event-relay';
import { MODEL_REGISTRY, type ModelRegistry } from '../registry/model-registry.port';
import { ModelExecutor } from '../inference/runtime/model-executor.service';
import {
  EnsembleRunners,
  type EnsembleAnswer,
  type EnsembleMemberOutcome,
  type EnsembleRunner,
} from '../inference/routing/ensemble-runner.port';
import { EnsembleEntity, type EnsembleVersionEntity } from './ensemble.entities';
import { EnsembleCatalog } from './ensemble-catalog.service';
import {
  majorityVote,
  maxConfidence,
  stackingFeatures,
  weightedMean,
  type MemberRows,
  type Row,
  type StrategyConfig,
} from './combiners';

/**
 * Runs ensemble versions: every member in parallel under the version's deadline, then the strategy over
 * the members that answered, provided at least `quorum` did (else 503 naming each member's outcome).
 * Versions are immutable, so they are cached; which ensemble serves a service is cached until an
 * `ensemble` event says otherwise.
 */
@Injectable()
export class EnsemblePredictor implements EnsembleRunner, OnApplicationBootstrap, OnModuleDestroy {
  private readonly versionCache = new Map<string, EnsembleVersionEntity>();
  private servingCache = new Map<string, { id: string; version: number } | null>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    @InjectRepository(EnsembleEntity) private readonly ensembles: Repository<EnsembleEntity>,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    private readonly catalog: EnsembleCatalog,
    private readonly executor: ModelExecutor,
    private readonly relay: EventRelay,
    runners: EnsembleRunners,
  ) {
    runners.bind(this);
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.relay.subscribe(['ensemble'], () => (this.servingCache = new Map()));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Forgets which ensemble serves which service (after a local change, before its event arrives). */
  invalidate(): void {
    this.servingCache = new Map();
  }

  servingEnsemble(service: string): MaybePromise<{ id: string; version: number } | undefined> {
    const cached = this.servingCache.get(service);
    if (cached !== undefined) return cached ?? undefined;
    return this.loadServingEnsemble(service);
  }

  private async loadServingEnsemble(service: string): Promise<{ id: string; version: number } | undefined> {
    const cache = this.servingCache;
    const row = await this.ensembles.findOne({ where: { service, stage: 'production', enabled: true } });
    const value = row ? { id: row.id, version: row.version } : null;
    // Not into a cache an event emptied meanwhile: the row read may already be stale.
    if (cache === this.servingCache) cache.set(service, value);
    return value ?? undefined;
  }

  async predict(ensembleId: string, version: number | undefined, rows: Row[]): Promise<EnsembleAnswer> {
    const v = await this.versionFor(ensembleId, version);
    const outcomes = await Promise.all(v.model_ids.map((id) => this.runMember(id, rows, v.timeout_ms)));
    const members = outcomes.map((o) => o.outcome);
    const answered = outcomes
      .filter((o) => o.rows)
      .map((o) => ({ model_id: o.outcome.model_id, rows: o.rows! }));
    if (answered.length < v.quorum) {
      throw new DomainError(
        'unavailable',
        'ENSEMBLE_QUORUM_NOT_MET',
        `ensemble ${ensembleId} v${v.version}: ${answered.length} of ${v.model_ids.length} members answered, ${v.quorum} required`,
        { ensemble_id: ensembleId, version: v.version, quorum: v.quorum, members },
      );
    }
    const combined = await this.combine(v, answered);
    return { ensemble_id: ensembleId, ensemble_version: v.version, rows: combined, members };
  }

  private async versionFor(ensembleId: string, version: number | undefined): Promise<EnsembleVersionEntity> {
    const n = version ?? (await this.catalog.get(ensembleId)).ensemble.version;
    const key = `${ensembleId}#${n}`;
    let v = this.versionCache.get(key);
    if (!v) {
      v = await this.catalog.versionOf(ensembleId, n);
      this.versionCache.set(key, v);
    }
    return v;
  }

  private async runMember(modelId: string, rows: Row[], timeoutMs: number) {
    const started = performance.now();
    const outcome = (status: EnsembleMemberOutcome['status'], error?: string): EnsembleMemberOutcome => ({
      model_id: modelId,
      status,
      latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
      ...(error ? { error } : {}),
    });
    try {
      const version = await this.registry.resolve(modelId);
      const answer = await this.executor.predict(version, rows, timeoutMs);
      return { outcome: outcome('ok'), rows: answer.rows };
    } catch (error) {
      const timedOut = error instanceof DomainError && error.kind === 'upstream_timeout';
      return { outcome: outcome(timedOut ? 'timeout' : 'error', (error as Error).message), rows: undefined };
    }
  }

  private async combine(v: EnsembleVersionEntity, members: MemberRows[]): Promise<Row[]> {
    const config = v.strategy_config as StrategyConfig;
    const score = config.score_output ?? 'probability';
    switch (v.strategy) {
      case 'mean':
        return weightedMean(
          members,
          members.map(() => 1),
        );
      case 'weighted_mean':
        return weightedMean(
          members,
          members.map((m) => config.weights?.[m.model_id] ?? 0),
        );
      case 'majority_vote':
        return majorityVote(members, config.label_output ?? 'label', score);
      case 'max_confidence':
        return maxConfidence(members, score);
      case 'stacking':
        return this.stack(config, members, score, v.timeout_ms);
      default:
        throw new DomainError('conflict', 'UNKNOWN_STRATEGY', `strategy ${v.strategy} is not supported`);
    }
  }

  private async stack(config: StrategyConfig, members: MemberRows[], score: string, timeoutMs: number) {
    const combiner = await this.registry.resolve(config.combiner_model_id!);
    const signature = await this.executor.signature(combiner);
    const input = signature?.inputs[0]?.name ?? 'input';
    const features = stackingFeatures(members, score).map((f) => ({ [input]: f }));
    return (await this.executor.predict(combiner, features, timeoutMs)).rows;
  }
}
