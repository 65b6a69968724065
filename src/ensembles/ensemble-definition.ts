import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { DomainError, invalid } from '../common/errors/domain-error';
import { MODEL_REGISTRY, type ModelRegistry } from '../registry/model-registry.port';
import type { Strategy } from './combiners';

/** The behaviour of one ensemble version (what a snapshot pins). */
export interface EnsembleDefinition {
  model_ids: string[];
  strategy: Strategy;
  strategy_config: Record<string, unknown>;
  timeout_ms: number;
  quorum: number;
}

export interface DefinitionInput {
  model_ids: string[];
  strategy: string;
  strategy_config?: Record<string, unknown> | null;
  timeout_ms?: number;
  quorum?: number;
}

/**
 * Validates and pins an ensemble definition: every member ref resolves to one exact registered version
 * (an alias is resolved now, so a later alias move does not change a published version), strategy options
 * are checked, and the quorum fits the members.
 */
@Injectable()
export class EnsembleDefinitions {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
  ) {}

  async pin(input: DefinitionInput): Promise<EnsembleDefinition> {
    const max = this.config.ensemble.max_models_per_ensemble;
    if (input.model_ids.length > max) {
      throw invalid('TOO_MANY_MEMBERS', `an ensemble holds at most ${max} models`, {
        max_models_per_ensemble: max,
      });
    }
    const model_ids = await Promise.all(input.model_ids.map((ref) => this.pinMember(ref)));
    const duplicate = model_ids.find((id, i) => model_ids.indexOf(id) !== i);
    if (duplicate)
      throw invalid('DUPLICATE_MEMBER', `model ${duplicate} is listed twice`, { model_id: duplicate });
    const strategy = input.strategy as Strategy;
    const strategy_config = await this.checkConfig(strategy, input.strategy_config ?? {}, model_ids);
    const quorum = input.quorum ?? model_ids.length;
    if (quorum > model_ids.length) {
      throw invalid('INVALID_QUORUM', `quorum ${quorum} exceeds the ${model_ids.length} members`, { quorum });
    }
    if (strategy === 'stacking' && quorum !== model_ids.length) {
      throw invalid(
        'INVALID_QUORUM',
        'stacking needs every member (its combiner reads their scores by position)',
        {
          quorum,
        },
      );
    }
    return {
      model_ids,
      strategy,
      strategy_config,
      timeout_ms: input.timeout_ms ?? this.config.ensemble.default_timeout_ms,
      quorum,
    };
  }

  /** True when two definitions behave the same (no new version is created for an identical one). */
  same(a: EnsembleDefinition, b: EnsembleDefinition): boolean {
    return canonical(a) === canonical(b);
  }

  private async pinMember(ref: string): Promise<string> {
    try {
      return (await this.registry.resolve(ref)).id;
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'not_found') {
        throw invalid('UNKNOWN_MEMBER', `member '${ref}' is not a registered model version`, {
          model_id: ref,
        });
      }
      throw error;
    }
  }

  private async checkConfig(strategy: Strategy, config: Record<string, unknown>, members: string[]) {
    const out = { ...config };
    if (strategy === 'weighted_mean') {
      const weights = config.weights as Record<string, unknown> | undefined;
      const missing = members.filter((m) => typeof weights?.[m] !== 'number' || weights[m] <= 0);
      if (!weights || missing.length > 0) {
        throw invalid(
          'INVALID_STRATEGY_CONFIG',
          'weighted_mean needs strategy_config.weights: a positive weight per member',
          {
            missing,
          },
        );
      }
    }
    for (const key of ['label_output', 'score_output'] as const) {
      if (out[key] !== undefined && typeof out[key] !== 'string') {
        throw invalid('INVALID_STRATEGY_CONFIG', `strategy_config.${key} must be an output name`);
      }
    }
    if (strategy === 'stacking') {
      const ref = config.combiner_model_id;
      if (typeof ref !== 'string') {
        throw invalid(
          'INVALID_STRATEGY_CONFIG',
          'stacking needs strategy_config.combiner_model_id (a registered version)',
        );
      }
      out.combiner_model_id = await this.pinMember(ref);
    }
    return out;
  }
}

function canonical(d: EnsembleDefinition): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort({ ...d }));
}
