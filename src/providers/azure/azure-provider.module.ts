import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '@app/config/app-config.schema';
import { APP_CONFIG } from '@app/config/config.module';
import { ProviderRegistry } from '@app/providers/provider-registry';
import { createAzureArm } from './azure-arm';
import { AzureProvider } from './azure.provider';

/**
 * Registers `azure` when ARTENIC_AZURE__ENABLED is set. `@azure/arm-compute` is only loaded then, and a
 * missing subscription or credential fails the boot with a message naming the variables.
 */
@Module({})
export class AzureProviderModule implements OnModuleInit {
  private readonly logger = new Logger('AzureProvider');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ProviderRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const section = this.config.azure;
    if (!section.enabled) return;
    this.registry.register(new AzureProvider(section, await createAzureArm(section)));
    this.logger.log(`training provider 'azure' enabled (resource group ${section.resource_group})`);
  }
}
