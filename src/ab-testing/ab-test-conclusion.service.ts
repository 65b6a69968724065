import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DomainError, conflict, invalid } from '../common/errors/domain-error';
import { TransactionRunner } from '../database/transaction-runner';
import { EventOutbox } from '../events/event-outbox';
import { MODEL_REGISTRY, type ModelRegistry } from '../registry/model-registry.port';
import { ModelAliases } from '../registry/model-aliases.service';
import { ModelLifecycle } from '../registry/model-lifecycle.service';
import { AbTestEntity, type AbPromotion } from './ab-test.entities';
import { AbTestResults } from './ab-test-results.service';
import { AB_EVENTS, AbTests, event } from './ab-tests.service';

export interface ConcludeInput {
  winner?: string | null;
  reason?: string;
  promote?: boolean;
  alias?: string;
}

/**
 * Concluding a test, with optional promotion of the winner. The registry commits stage and alias moves in
 * transactions of its own (it offers no entry point joining a caller's transaction), so a promoting
 * conclusion is a recoverable saga instead of one transaction:
 *   1. test → `concluding` + promotion `pending` (routing ends: traffic goes to the current production);
 *   2. the registry moves the winner (its ledger entry and `lifecycle` event commit together);
 *   3. test → `concluded`, promotion `done`, `ab_test.concluded` event.
 * A crash between the steps leaves a `concluding` row that the `ab-testing.auto` loop finishes.
 */
@Injectable()
export class AbTestConclusion {
  private readonly logger = new Logger('AbTestConclusion');

  constructor(
    private readonly tests: AbTests,
    private readonly results: AbTestResults,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    private readonly modules: ModuleRef,
    private readonly tx: TransactionRunner,
    private readonly outbox: EventOutbox,
  ) {}

  async conclude(id: string, input: ConcludeInput, actor: string): Promise<AbTestEntity> {
    const test = await this.tests.get(id);
    if (test.status === 'concluded' || test.status === 'concluding')
      throw conflict(
        'INVALID_AB_TRANSITION',
        `A/B test '${id}' is ${test.status}; it cannot be concluded again`,
        {
          test_id: id,
          status: test.status,
        },
      );
    const winner = input.winner ?? null;
    if (winner !== null && !test.variants[winner])
      throw invalid('UNKNOWN_VARIANT', `winner '${winner}' is not a variant of test '${id}'`, {
        winner,
        variants: Object.keys(test.variants),
      });
    if (!input.promote) return this.finish(test, winner, input.reason ?? '', null, actor, [test.status]);
    const promotion = await this.plan(test, winner, input.alias);
    const claimed = await this.claim(test, winner, input.reason ?? '', promotion, actor);
    return this.promote(claimed, actor);
  }

  /** Auto-conclusion for tests that opted in: decisive result, guardrails hold, no sample ratio mismatch. */
  async autoConclude(test: AbTestEntity): Promise<boolean> {
    const r = await this.results.compute(test);
    if (!r.recommended_winner) return false;
    const comparison = (r.comparisons as Array<{ variant: string; p_value: number }>).find(
      (c) => c.variant === r.recommended_winner,
    );
    const reason = `auto: ${test.primary_metric} decisive (always-valid p=${comparison?.p_value.toPrecision(3) ?? 'n/a'})`;
    await this.conclude(
      test.id,
      {
        winner: r.recommended_winner,
        reason,
        promote: test.auto_promote,
        alias: test.promote_alias ?? undefined,
      },
      'ab-testing.auto',
    );
    return true;
  }

  /** Finishes conclusions interrupted between the registry's commit and ours. */
  async resume(test: AbTestEntity): Promise<void> {
    if (test.status === 'concluding' && test.promotion)
      await this.promote(test, test.concluded_by ?? 'ab-testing.auto');
  }

  private async plan(test: AbTestEntity, winner: string | null, alias?: string): Promise<AbPromotion> {
    if (winner === null)
      throw invalid('WINNER_REQUIRED', 'promote: true needs a winner', { field: 'winner' });
    const arm = test.variants[winner]!;
    if (!arm.model_id)
      throw invalid(
        'PROMOTE_UNSUPPORTED',
        `variant '${winner}' is an ensemble; promote it through the ensembles API`,
        {
          winner,
        },
      );
    await this.registry.resolve(arm.model_id);
    return alias
      ? { target: 'alias', alias, model_id: arm.model_id, state: 'pending' }
      : { target: 'production', model_id: arm.model_id, state: 'pending' };
  }

  private async claim(
    test: AbTestEntity,
    winner: string | null,
    reason: string,
    promotion: AbPromotion,
    actor: string,
  ) {
    return this.tx.run(async (manager) => {
      const now = new Date();
      const result = await manager.update(
        AbTestEntity,
        { id: test.id, status: test.status },
        {
          status: 'concluding',
          winner,
          conclusion_reason: reason,
          promotion,
          concluded_by: actor,
          updated_at: now,
        },
      );
      if (!result.affected)
        throw conflict('AB_TEST_CHANGED', `A/B test '${test.id}' changed concurrently; retry`, {
          test_id: test.id,
        });
      Object.assign(test, {
        status: 'concluding',
        winner,
        conclusion_reason: reason,
        promotion,
        concluded_by: actor,
        updated_at: now,
      });
      await this.outbox.append(manager, event(AB_EVENTS.concluding, test, { winner, promotion, actor }));
      return test;
    });
  }

  private async promote(test: AbTestEntity, actor: string): Promise<AbTestEntity> {
    const promotion = test.promotion!;
    const reason = `A/B test ${test.id} concluded: winner ${test.winner}`;
    try {
      const version = await this.registry.resolve(promotion.model_id);
      if (promotion.target === 'alias') {
        await this.modules
          .get(ModelAliases, { strict: false })
          .set(version.name, promotion.alias!, version.version, reason, actor);
      } else if (version.stage !== 'production') {
        await this.modules
          .get(ModelLifecycle, { strict: false })
          .promote(version.id, 'production', { reason }, actor);
      }
      return await this.finish(
        test,
        test.winner,
        test.conclusion_reason,
        { ...promotion, state: 'done' },
        actor,
        ['concluding'],
      );
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind === 'unavailable') throw error;
      // The registry refused (e.g. the version is archived): conclude, and say the promotion failed.
      this.logger.warn(`A/B test ${test.id}: promotion refused: ${error.message}`);
      await this.finish(
        test,
        test.winner,
        test.conclusion_reason,
        { ...promotion, state: 'failed', error: error.message },
        actor,
        ['concluding'],
      );
      throw error;
    }
  }

  private async finish(
    test: AbTestEntity,
    winner: string | null,
    reason: string,
    promotion: AbPromotion | null,
    actor: string,
    from: string[],
  ): Promise<AbTestEntity> {
    return this.tx.run(async (manager) => {
      const now = new Date();
      const changes = {
        status: 'concluded' as const,
        winner,
        conclusion_reason: reason,
        promotion,
        concluded_by: actor,
        concluded_at: now,
        updated_at: now,
      };
      const result = await manager
        .createQueryBuilder()
        .update(AbTestEntity)
        .set(changes)
        .where('id = :id AND status IN (:...from)', { id: test.id, from })
        .execute();
      if (!result.affected)
        throw conflict('AB_TEST_CHANGED', `A/B test '${test.id}' changed concurrently; retry`, {
          test_id: test.id,
        });
      Object.assign(test, changes);
      await this.outbox.append(
        manager,
        event(AB_EVENTS.concluded, test, { winner, reason, promotion, actor }),
      );
      return test;
    });
  }
}
