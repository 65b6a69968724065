import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';
import { SqlDialect } from '../database/sql-dialect';
import { TransactionRunner } from '../database/transaction-runner';
import { HealthIndicators } from '../health/health-indicators';
import { ProviderPriceEntity } from './provider-price.entity';
import { ProviderRegistry } from './provider-registry';
import type { InstancePrice } from './training-provider.port';

export const PRICE_REFRESH_TASK = 'providers.price-refresh';

/** The price one attempt is charged: per hour, in micros of `currency`. */
export interface HourlyPrice {
  per_hour_micros: number;
  currency: string;
  /** False when the instance type is not in the catalogue (the job is charged 0 and says so). */
  known: boolean;
  stale: boolean;
}

/**
 * The persisted price catalogue, refreshed from every provider's `prices()` by a periodic task. A
 * provider whose refresh fails keeps its last prices, marked stale; the catalogue is read from the
 * database, so every replica prices jobs the same way.
 */
@Injectable()
export class PriceCatalogue implements OnModuleInit {
  private readonly logger = new Logger('PriceCatalogue');
  private readonly lastErrors = new Map<string, string>();
  private readonly refreshing = new Map<string, Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(ProviderPriceEntity) private readonly prices: Repository<ProviderPriceEntity>,
    private readonly registry: ProviderRegistry,
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
    private readonly tasks: PeriodicTasks,
    private readonly health: HealthIndicators,
  ) {}

  onModuleInit(): void {
    this.tasks.register(PRICE_REFRESH_TASK, () => this.refreshAll(), {
      intervalMs: this.config.training.price_refresh_interval_seconds * 1000,
      timeoutMs: 120_000,
      runOnStart: true,
    });
    this.health.register('price_catalogue', () =>
      this.lastErrors.size === 0
        ? { status: 'up' }
        : { status: 'degraded', stale_providers: Object.fromEntries(this.lastErrors) },
    );
  }

  async refreshAll(): Promise<void> {
    for (const provider of this.registry.list()) await this.refresh(provider.name);
  }

  /**
   * Reads a provider's prices again. Concurrent calls for one provider share one refresh (the periodic
   * one and an estimate finding the catalogue empty used to race: the second insert hit the first's rows
   * and the provider was marked stale).
   */
  refresh(providerName: string): Promise<void> {
    let pending = this.refreshing.get(providerName);
    if (!pending) {
      pending = this.refreshNow(providerName).finally(() => this.refreshing.delete(providerName));
      this.refreshing.set(providerName, pending);
    }
    return pending;
  }

  private async refreshNow(providerName: string): Promise<void> {
    const provider = this.registry.get(providerName);
    try {
      const prices = await provider.prices();
      await this.store(providerName, prices);
      this.lastErrors.delete(providerName);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.lastErrors.set(providerName, message);
      this.logger.warn(`price refresh for ${providerName} failed, keeping stale prices: ${message}`);
      await this.prices.update({ provider: providerName }, { stale: true });
    }
  }

  /** Replaces a provider's prices in one transaction. */
  private async store(providerName: string, prices: InstancePrice[]): Promise<void> {
    await this.tx.run(async (manager) => {
      // Replicas refreshing the same provider take turns (else both delete, then both insert).
      const lock = this.dialect.transactionLock(`prices:${providerName}`);
      if (lock) await manager.query(lock.sql, lock.params);
      await manager.delete(ProviderPriceEntity, { provider: providerName });
      if (prices.length === 0) return;
      const now = new Date();
      await manager.insert(
        ProviderPriceEntity,
        prices.map((p) => ({
          provider: providerName,
          instance_type: p.instance_type,
          region: p.region ?? '',
          currency: p.currency,
          on_demand_per_hour_micros: p.on_demand_per_hour_micros,
          spot_per_hour_micros: p.spot_per_hour_micros,
          gpu_type: p.gpu_type,
          gpu_count: p.gpu_count,
          vcpus: p.vcpus,
          memory_gb: p.memory_gb,
          fetched_at: p.fetched_at,
          stale: p.stale,
          source: p.source.slice(0, 200),
          updated_at: now,
        })),
      );
    });
  }

  async list(provider?: string): Promise<ProviderPriceEntity[]> {
    return this.prices.find({
      where: provider ? { provider } : {},
      order: { provider: 'ASC', instance_type: 'ASC', region: 'ASC' },
    });
  }

  /** The catalogue row for (provider, instance type, region), preferring the exact region. */
  async find(
    provider: string,
    instanceType: string,
    region: string | null,
  ): Promise<ProviderPriceEntity | null> {
    const rows = await this.prices.find({ where: { provider, instance_type: instanceType } });
    return (
      rows.find((r) => r.region === (region ?? '')) ?? rows.find((r) => r.region === '') ?? rows[0] ?? null
    );
  }

  /** What one hour of this capacity costs; spot uses the spot price when the catalogue has one. */
  async hourly(
    provider: string,
    instanceType: string | null,
    region: string | null,
    spot: boolean,
  ): Promise<HourlyPrice> {
    const row = instanceType
      ? await this.find(provider, instanceType, region)
      : await this.cheapest(provider);
    if (!row) return { per_hour_micros: 0, currency: this.defaultCurrency(), known: false, stale: false };
    const perHour =
      spot && row.spot_per_hour_micros !== null ? row.spot_per_hour_micros : row.on_demand_per_hour_micros;
    return { per_hour_micros: perHour, currency: row.currency, known: true, stale: row.stale };
  }

  /** The currency costs are reported in when no price applies: the FX table's base, else EUR (the reference's). */
  defaultCurrency(): string {
    return this.config.fx.rates?.base ?? 'EUR';
  }

  private async cheapest(provider: string): Promise<ProviderPriceEntity | null> {
    return this.prices.findOne({ where: { provider }, order: { on_demand_per_hour_micros: 'ASC' } });
  }
}
