import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { conflict, invalid } from '../common/errors/domain-error';
import { TransactionRunner } from '../database/transaction-runner';
import { EventOutbox } from '../events/event-outbox';
import { MODEL_REGISTRY, type ModelRegistry, type ModelVersionView } from '../registry/model-registry.port';
import { ModelPromotions } from '../registry/model-promotions.service';
import { AbTestEntity, type AbPromotion } from './ab-test.entities';
import { AbTestResults } from './ab-test-results.service';
import { AB_EVENTS, AbTests, event } from './ab-tests.service';

interface Planned {
  promotion: AbPromotion;
  version: ModelVersionView;
}

export interface ConcludeInput {
  winner?: string | null;
  reason?: string;
  promote?: boolean;
  alias?: string;
}

/**
 * Concluding a test, with optional promotion of the winner, as ONE transaction: the test becomes
 * `concluded` (routing ends), the registry moves the winner to production or the alias (its ledger entry
 * and `lifecycle` event), and the `ab_test.concluded` event is appended. If the registry refuses the move,
 * nothing of it happens and the test keeps running.
 */
@Injectable()
export class AbTestConclusion {
  constructor(
    private readonly tests: AbTests,
    private readonly results: AbTestResults,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    private readonly promotions: ModelPromotions,
    private readonly tx: TransactionRunner,
    private readonly outbox: EventOutbox,
  ) {}

  async conclude(id: string, input: ConcludeInput, actor: string): Promise<AbTestEntity> {
    const test = await this.tests.get(id);
    if (test.status === 'concluded')
      throw conflict('INVALID_AB_TRANSITION', `A/B test '${id}' is concluded; it cannot be concluded again`, {
        test_id: id,
        status: test.status,
      });
    const winner = input.winner ?? null;
    if (winner !== null && !test.variants[winner])
      throw invalid('UNKNOWN_VARIANT', `winner '${winner}' is not a variant of test '${id}'`, {
        winner,
        variants: Object.keys(test.variants),
      });
    const planned = input.promote ? await this.plan(test, winner, input.alias) : null;
    const reason = input.reason ?? '';
    return this.tx.run(async (manager) => {
      // The test leaves `running`/`paused` first, so that the registry's reference guard (reading through
      // this transaction) no longer counts it as holding the version it displaces.
      const concluded = await this.finish(manager, test, winner, reason, planned?.promotion ?? null, actor);
      if (planned) await this.promoteWinner(manager, concluded, planned, actor);
      return concluded;
    });
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

  private async plan(test: AbTestEntity, winner: string | null, alias?: string): Promise<Planned> {
    if (winner === null)
      throw invalid('WINNER_REQUIRED', 'promote: true needs a winner', { field: 'winner' });
    const arm = test.variants[winner]!;
    if (!arm.model_id)
      throw invalid(
        'PROMOTE_UNSUPPORTED',
        `variant '${winner}' is an ensemble; promote it through the ensembles API`,
        { winner },
      );
    const version = await this.registry.resolve(arm.model_id);
    const promotion: AbPromotion = alias
      ? { target: 'alias', alias, model_id: version.id, state: 'done' }
      : { target: 'production', model_id: version.id, state: 'done' };
    return { promotion, version };
  }

  /** The registry re-reads and re-checks the version inside the transaction before moving it. */
  private async promoteWinner(
    manager: EntityManager,
    test: AbTestEntity,
    { promotion, version }: Planned,
    actor: string,
  ): Promise<void> {
    const reason = `A/B test ${test.id} concluded: winner ${test.winner}`;
    if (promotion.target === 'alias') {
      await this.promotions.setAlias(
        version.name,
        promotion.alias!,
        version.version,
        { reason },
        actor,
        manager,
      );
    } else if (version.stage !== 'production') {
      // A winner already serving in production (the control, typically) has nothing to move.
      await this.promotions.promote(version.id, 'production', { reason }, actor, manager);
    }
  }

  private async finish(
    manager: EntityManager,
    test: AbTestEntity,
    winner: string | null,
    reason: string,
    promotion: AbPromotion | null,
    actor: string,
  ): Promise<AbTestEntity> {
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
    // Conditional on the status read: a concurrent pause, resume or conclusion makes this a conflict.
    const result = await manager.update(AbTestEntity, { id: test.id, status: test.status }, changes);
    if (!result.affected)
      throw conflict('AB_TEST_CHANGED', `A/B test '${test.id}' changed concurrently; retry`, {
        test_id: test.id,
      });
    Object.assign(test, changes);
    await this.outbox.append(manager, event(AB_EVENTS.concluded, test, { winner, reason, promotion, actor }));
    return test;
  }
}
