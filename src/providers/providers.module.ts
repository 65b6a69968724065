import { Global, Module } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { SqlDialect } from '../database/sql-dialect';
import { ExchangeRates } from './exchange-rates';
import { LocalProvider } from './local/local.provider';
import { MockProvider } from './mock/mock.provider';
import { PriceCatalogue } from './price-catalogue';
import { ProviderClock } from './provider-clock';
import { ProviderPriceEntity } from './provider-price.entity';
import { ProviderRegistry } from './provider-registry';
import { ProvidersController } from './providers.controller';
import { TRAINING_PROVIDERS, type TrainingProvider } from './training-provider.port';

/**
 * Training providers: the built-in adapters enabled by config, the registry every other adapter (clouds,
 * plugins) adds itself to, the price catalogue and exchange rates. Global so that a cloud module only
 * needs `constructor(registry: ProviderRegistry)` and `registry.register(adapter)` in onModuleInit.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ProviderPriceEntity])],
  controllers: [ProvidersController],
  providers: [
    ProviderClock,
    ExchangeRates,
    {
      provide: TRAINING_PROVIDERS,
      inject: [APP_CONFIG, getDataSourceToken(), SqlDialect, ProviderClock],
      useFactory: (config: AppConfig, dataSource: DataSource, dialect: SqlDialect, clock: ProviderClock) => {
        const providers: TrainingProvider[] = [];
        if (config.mock.enabled) providers.push(new MockProvider(clock));
        if (config.local.enabled) providers.push(new LocalProvider(config, dataSource, dialect, clock));
        return providers;
      },
    },
    ProviderRegistry,
    PriceCatalogue,
  ],
  exports: [ProviderRegistry, PriceCatalogue, ExchangeRates, ProviderClock, TRAINING_PROVIDERS],
})
export class ProvidersModule {}
