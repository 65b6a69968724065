import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type EntityManager } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { invalid, notFound } from '../common/errors/domain-error';
import { EventOutbox } from '../events/event-outbox';
import { SqlDialect } from '../database/sql-dialect';
import { TransactionRunner } from '../database/transaction-runner';
import { BudgetEntity } from './budget.entities';
import { toBudgetView } from './budget.mapper';
import { BudgetPolicy } from './budget-policy';
import type { BudgetView, CreateBudgetRequest, UpdateBudgetRequest } from './budgets.dto';

/** Budget rules: create, read, update, delete; each change is a `budget` event. */
@Injectable()
export class BudgetsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(BudgetEntity) private readonly budgets: Repository<BudgetEntity>,
    private readonly policy: BudgetPolicy,
    private readonly tx: TransactionRunner,
    private readonly outbox: EventOutbox,
    private readonly dialect: SqlDialect,
  ) {}

  async create(request: CreateBudgetRequest, actor: string): Promise<BudgetView> {
    const { limit, currency } = this.limitOf(request, undefined);
    const scopeValue = request.scope === 'global' ? (request.scope_value ?? '*') : request.scope_value;
    if (!scopeValue) {
      throw invalid('BUDGET_SCOPE_VALUE_REQUIRED', `scope_value is required for scope '${request.scope}'.`, {
        field: 'scope_value',
      });
    }
    const now = await this.dialect.clock();
    const saved = await this.tx.run(async (manager) => {
      const row = manager.create(BudgetEntity, {
        scope: request.scope,
        scope_value: scopeValue,
        period: request.period,
        limit_micros: limit,
        currency,
        alert_thresholds: this.thresholdsOf(request) ?? normalise([this.policy.defaultThresholdPct, 100]),
        enforcement: request.enforcement ?? null,
        stop_admission_pct: request.stop_admission_pct ?? 100,
        cancel_running_at_limit: request.cancel_running_at_limit ?? true,
        enabled: request.enabled ?? true,
        description: request.description ?? null,
        lock_version: 0,
        created_by: actor,
        created_at: now,
        updated_at: now,
      });
      const inserted = await manager.save(row);
      await this.emit(manager, 'budget.created', inserted);
      return inserted;
    });
    return this.view(saved);
  }

  async list(filter: { scope?: string; enabled_only?: boolean }): Promise<BudgetView[]> {
    const rows = await this.budgets.find({
      where: {
        ...(filter.scope ? { scope: filter.scope as BudgetEntity['scope'] } : {}),
        ...((filter.enabled_only ?? true) ? { enabled: true } : {}),
      },
      order: { created_at: 'DESC', id: 'DESC' },
    });
    return rows.map((r) => this.view(r));
  }

  async get(id: number): Promise<BudgetView> {
    return this.view(await this.find(id));
  }

  async update(id: number, request: UpdateBudgetRequest): Promise<BudgetView> {
    const saved = await this.tx.run(async (manager) => {
      const row = await this.find(id, manager);
      if (request.limit !== undefined || request.limit_eur !== undefined || request.currency !== undefined) {
        const { limit, currency } = this.limitOf(request, row);
        row.limit_micros = limit;
        row.currency = currency;
      }
      const thresholds = this.thresholdsOf(request);
      if (thresholds) row.alert_thresholds = thresholds;
      if (request.period !== undefined) row.period = request.period;
      if (request.enabled !== undefined) row.enabled = request.enabled;
      if (request.enforcement !== undefined) row.enforcement = request.enforcement;
      if (request.stop_admission_pct !== undefined) row.stop_admission_pct = request.stop_admission_pct;
      if (request.cancel_running_at_limit !== undefined)
        row.cancel_running_at_limit = request.cancel_running_at_limit;
      if (request.description !== undefined) row.description = request.description;
      row.updated_at = await this.dialect.clock();
      const updated = await manager.save(row);
      await this.emit(manager, 'budget.updated', updated);
      return updated;
    });
    return this.view(saved);
  }

  async remove(id: number): Promise<void> {
    await this.tx.run(async (manager) => {
      const row = await this.find(id, manager);
      await manager.delete(BudgetEntity, { id });
      await this.emit(manager, 'budget.deleted', row);
    });
  }

  async find(id: number, manager?: EntityManager): Promise<BudgetEntity> {
    const row = await (manager ? manager.getRepository(BudgetEntity) : this.budgets).findOneBy({ id });
    if (!row) throw notFound('BUDGET_NOT_FOUND', `Budget ${id} not found.`, { budget_id: id });
    return row;
  }

  view(row: BudgetEntity): BudgetView {
    return toBudgetView(row, this.policy.defaultMode);
  }

  /** `limit` (micros) or the reference's `limit_eur` (major units), never both. */
  private limitOf(
    request: { limit?: number; limit_eur?: number; currency?: string },
    current: BudgetEntity | undefined,
  ): { limit: number; currency: string } {
    if (request.limit !== undefined && request.limit_eur !== undefined) {
      throw invalid('BUDGET_LIMIT_AMBIGUOUS', 'Give either limit (micros) or limit_eur, not both.', {
        fields: ['limit', 'limit_eur'],
      });
    }
    const limit =
      request.limit ??
      (request.limit_eur !== undefined ? Math.round(request.limit_eur * 1_000_000) : current?.limit_micros);
    if (limit === undefined) {
      throw invalid('BUDGET_LIMIT_REQUIRED', 'limit (integer micros) or limit_eur is required.', {
        fields: ['limit', 'limit_eur'],
      });
    }
    if (limit < 1)
      throw invalid('BUDGET_LIMIT_INVALID', 'The limit must be positive.', { field: 'limit_eur' });
    return { limit, currency: request.currency ?? current?.currency ?? this.config.budget.default_currency };
  }

  private thresholdsOf(request: {
    alert_thresholds?: number[];
    alert_threshold_pct?: number;
  }): number[] | undefined {
    if (request.alert_thresholds) return normalise(request.alert_thresholds);
    if (request.alert_threshold_pct !== undefined) return normalise([request.alert_threshold_pct, 100]);
    return undefined;
  }

  private emit(manager: EntityManager, type: string, row: BudgetEntity): Promise<void> {
    return this.outbox.append(manager, {
      topic: 'budget',
      type,
      subject: String(row.id),
      data: { budget: { ...this.view(row) } },
    });
  }
}

function normalise(thresholds: number[]): number[] {
  return [...new Set(thresholds)].sort((a, b) => a - b);
}
