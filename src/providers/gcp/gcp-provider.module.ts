import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '@app/config/app-config.schema';
import { APP_CONFIG } from '@app/config/config.module';
import { ProviderRegistry } from '@app/providers/provider-registry';
import { createGcpClients } from './gcp-clients';
import { GcpProvider } from './gcp.provider';

/**
 * Registers `gcp` when `ARTENIC_GCP__ENABLED` is set. The Compute Engine and auth libraries are only loaded
 * then (see createGcpClients).
 */
@Module({})
export class GcpProviderModule implements OnModuleInit {
  private readonly logger = new Logger('GcpProvider');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ProviderRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const config = this.config.gcp;
    if (!config.enabled) return;
    this.registry.register(new GcpProvider(config, await createGcpClients(config)));
    this.logger.log(`training provider 'gcp' enabled (project ${config.project_id}, zone ${config.zone})`);
  }
}
