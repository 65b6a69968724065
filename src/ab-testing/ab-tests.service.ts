import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, type EntityManager, type Repository } from 'typeorm';
import { conflict, invalid, notFound } from '../common/errors/domain-error';
import { TransactionRunner } from '../database/transaction-runner';
import { EventOutbox } from '../events/event-outbox';
import { EnsembleCatalog } from '../ensembles/ensemble-catalog.service';
import { MODEL_REGISTRY, type ModelRegistry } from '../registry/model-registry.port';
import { RuntimeSettings } from '../settings/runtime-settings.service';
import { AbTestEntity, type AbTestStatus, type AbVariant } from './ab-test.entities';
import type { CreateTestRequestDto, ListTestsQueryDto } from './ab-testing.dto';
import { isBuiltinMetric, parseVariants } from './variant-rules';

export const AB_EVENTS = {
  created: 'ab_test.created',
  paused: 'ab_test.paused',
  resumed: 'ab_test.resumed',
  concluded: 'ab_test.concluded',
} as const;

/** Tests: creation, listing and the `running ⇄ paused → concluded` state machine. */
@Injectable()
export class AbTests {
  constructor(
    @InjectRepository(AbTestEntity) private readonly tests: Repository<AbTestEntity>,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    private readonly ensembles: EnsembleCatalog,
    private readonly settings: RuntimeSettings,
    private readonly tx: TransactionRunner,
    private readonly outbox: EventOutbox,
  ) {}

  async create(body: CreateTestRequestDto, actor: string): Promise<AbTestEntity> {
    if (!this.settings.bool('ab_test', 'enabled'))
      throw conflict('AB_TESTING_DISABLED', 'A/B testing is disabled (setting ab_test.enabled).');
    const variants = await this.pinTargets(body.service, parseVariants(body.variants));
    const control = body.control ?? Object.keys(variants)[0]!;
    if (!variants[control])
      throw invalid('UNKNOWN_CONTROL', `control '${control}' is not a variant`, { control });
    const now = new Date();
    const test = this.tests.create({
      id: randomUUID(),
      name: body.name,
      service: body.service,
      status: 'running',
      variants,
      control,
      primary_metric: body.primary_metric,
      metric_direction:
        body.metric_direction ?? (isBuiltinMetric(body.primary_metric) ? 'decrease' : 'increase'),
      guardrails: body.guardrails ?? [],
      significance_level: body.significance_level ?? 0.05,
      min_samples: body.min_samples ?? this.settings.number('ab_test', 'default_min_samples'),
      expected_effect_size: body.expected_effect_size ?? 0.1,
      auto_conclude: body.auto_conclude ?? false,
      auto_promote: body.auto_promote ?? false,
      promote_alias: body.promote_alias ?? null,
      winner: null,
      conclusion_reason: '',
      promotion: null,
      created_by: actor,
      concluded_by: null,
      created_at: now,
      updated_at: now,
      concluded_at: null,
    });
    await this.tx.run(async (manager) => {
      await this.assertCapacity(manager, body.service);
      await manager.insert(AbTestEntity, test).catch((error: unknown) => {
        throw isUniqueViolation(error) ? liveTestConflict(body.service) : error;
      });
      await this.outbox.append(manager, event(AB_EVENTS.created, test, { actor }));
    });
    return test;
  }

  async list(q: ListTestsQueryDto): Promise<AbTestEntity[]> {
    const where: Partial<Pick<AbTestEntity, 'service' | 'status'>> = {};
    if (q.service !== undefined) where.service = q.service;
    if (q.status !== undefined) where.status = q.status as AbTestStatus;
    return this.tests.find({
      where,
      order: { created_at: 'DESC', id: 'DESC' },
      take: q.limit ?? 50,
      skip: q.offset ?? 0,
    });
  }

  async get(id: string, manager?: EntityManager): Promise<AbTestEntity> {
    const test = await (manager ?? this.tests.manager).findOneBy(AbTestEntity, { id });
    if (!test) throw notFound('AB_TEST_NOT_FOUND', `A/B test '${id}' not found`, { test_id: id });
    return test;
  }

  pause(id: string, actor: string): Promise<AbTestEntity> {
    return this.transition(id, 'running', 'paused', AB_EVENTS.paused, actor);
  }

  resume(id: string, actor: string): Promise<AbTestEntity> {
    return this.transition(id, 'paused', 'running', AB_EVENTS.resumed, actor);
  }

  /** Conditional update on the current status, so concurrent transitions cannot both win. */
  private async transition(id: string, from: AbTestStatus, to: AbTestStatus, type: string, actor: string) {
    return this.tx.run(async (manager) => {
      const test = await this.get(id, manager);
      if (test.status !== from) throw invalidTransition(test, to);
      const now = new Date();
      const result = await manager.update(
        AbTestEntity,
        { id, status: from },
        { status: to, updated_at: now },
      );
      if (!result.affected) throw invalidTransition(await this.get(id, manager), to);
      test.status = to;
      test.updated_at = now;
      await this.outbox.append(manager, event(type, test, { actor, from, to }));
      return test;
    });
  }

  private async assertCapacity(manager: EntityManager, service: string): Promise<void> {
    const live = await manager
      .createQueryBuilder(AbTestEntity, 't')
      .select(['t.id', 't.service'])
      .where("t.status IN ('running', 'paused')")
      .getMany();
    if (live.some((t) => t.service === service)) throw liveTestConflict(service);
    const max = this.settings.number('ab_test', 'max_concurrent_tests');
    if (live.length >= max)
      throw conflict(
        'TOO_MANY_AB_TESTS',
        `${live.length} tests are live; the limit is ${max} (ab_test.max_concurrent_tests)`,
        {
          max_concurrent_tests: max,
        },
      );
  }

  /** Resolves `name@alias` to the version it names now and checks every arm serves the test's service. */
  private async pinTargets(service: string, variants: Record<string, AbVariant>) {
    for (const [name, v] of Object.entries(variants)) {
      if (v.model_id) {
        const version = await this.registry.resolve(v.model_id);
        if (version.service !== service)
          throw invalid(
            'VARIANT_SERVICE_MISMATCH',
            `variant '${name}': ${version.id} serves '${version.service}', not '${service}'`,
            {
              variant: name,
            },
          );
        v.model_id = version.id;
      } else if (v.ensemble_id) {
        const ensemble = await this.ensembles.get(v.ensemble_id);
        if (v.ensemble_version === undefined) v.ensemble_version = ensemble.version.version;
      }
    }
    return variants;
  }
}

export function event(type: string, test: AbTestEntity, data: Record<string, unknown> = {}) {
  return {
    topic: 'ab_test' as const,
    type,
    subject: test.id,
    data: { test_id: test.id, service: test.service, status: test.status, ...data },
  };
}

function invalidTransition(test: AbTestEntity, to: AbTestStatus) {
  return conflict(
    'INVALID_AB_TRANSITION',
    `A/B test '${test.id}' is ${test.status}; it cannot become ${to}`,
    {
      test_id: test.id,
      status: test.status,
      requested: to,
    },
  );
}

function liveTestConflict(service: string) {
  return conflict(
    'AB_TEST_ALREADY_RUNNING',
    `service '${service}' already has a running or paused A/B test`,
    {
      service,
    },
  );
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && /unique|duplicate/i.test(error.message);
}
