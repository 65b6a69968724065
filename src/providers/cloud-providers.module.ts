import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '@app/config/app-config.schema';
import { APP_CONFIG } from '@app/config/config.module';
import { ProviderRegistry } from './provider-registry';
import type { TrainingProvider } from './training-provider.port';

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

  async onModuleInit(): Promise<void> {
    for (const provider of await this.build()) {
      this.registry.register(provider);
      this.logger.log(`training provider '${provider.name}' enabled`);
    }
  }

  private async build(): Promise<TrainingProvider[]> {
    const c = this.config;
    const providers: TrainingProvider[] = [];
    // Loaded only when enabled: the AWS SDK clients alone add ~90 MB of resident memory.
    if (c.aws.enabled) {
      const [{ AwsProvider }, { createAwsClients }] = await Promise.all([
        import('./aws/aws.provider'),
        import('./aws/aws-clients'),
      ]);
      providers.push(new AwsProvider(c.aws, createAwsClients(c.aws)));
    }
    return providers;
  }
}
