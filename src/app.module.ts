import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from './config/app-config.schema';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { CommonModule } from './common/common.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { RegistryModule } from './registry/registry.module';
import { ProvidersModule } from './providers/providers.module';
import { CloudProvidersModule } from './providers/cloud-providers.module';
import { RestCloudProvidersModule } from './providers/rest-cloud-providers.module';
import { KubernetesProviderModule } from './providers/kubernetes/kubernetes-provider.module';
import { GcpProviderModule } from './providers/gcp/gcp-provider.module';
import { AzureProviderModule } from './providers/azure/azure-provider.module';
import { TrainingModule } from './training/training.module';
import { SettingsModule } from './settings/settings.module';
import { InferenceModule } from './inference/inference.module';
import { EnsemblesModule } from './ensembles/ensembles.module';
import { AbTestingModule } from './ab-testing/ab-testing.module';
import { MonitoringModule } from './monitoring/monitoring.module';
import { loggerOptions } from './bootstrap/logger-options';
import { GracefulShutdown } from './bootstrap/graceful-shutdown';
import { WebhooksModule } from './webhooks/webhooks.module';
import { BudgetsModule } from './budgets/budgets.module';

/**
 * Probes and scrapes: not access-logged (they would drown the log) and kept off the middleware path. Nor
 * are the single-row predict hot paths: the per-request child logger cost more than the model run, and
 * every call is already captured by its prediction record (latency, error code) and the request metrics.
 */
const UNLOGGED = [
  { path: 'health', method: RequestMethod.GET },
  { path: 'health/ready', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
  { path: 'api/v1/services/:service/predict', method: RequestMethod.POST },
  { path: 'v2/models/:name/infer', method: RequestMethod.POST },
];

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, extra: DynamicModule['imports'] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({ ...loggerOptions(config), exclude: UNLOGGED }),
        ScheduleModule.forRoot(),
        DatabaseModule,
        CommonModule,
        EventsModule,
        HealthModule,
        RegistryModule,
        ProvidersModule,
        CloudProvidersModule,
        RestCloudProvidersModule,
        KubernetesProviderModule,
        GcpProviderModule,
        AzureProviderModule,
        TrainingModule,
        SettingsModule,
        WebhooksModule,
        BudgetsModule,
        InferenceModule,
        EnsemblesModule,
        AbTestingModule,
        MonitoringModule,
        ...extra,
      ],
      providers: [GracefulShutdown],
    };
  }
}
