import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '@app/config/app-config.schema';
import { APP_CONFIG } from '@app/config/config.module';
import { ProviderRegistry } from '@app/providers/provider-registry';
import { createKubeApi, type KubernetesConfig } from './kube-api';

/**
 * Registers `kubernetes` and `coreweave` (Kubernetes with CoreWeave's GPU-class node label, image and price
 * defaults) when their sections are enabled. The Kubernetes client library is only loaded then.
 */
@Module({})
export class KubernetesProviderModule implements OnModuleInit {
  private readonly logger = new Logger('KubernetesProviders');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: ProviderRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const sections: Array<[string, KubernetesConfig]> = [
      ['kubernetes', this.config.kubernetes],
      ['coreweave', this.config.coreweave],
    ];
    for (const [name, section] of sections) {
      if (!section.enabled) continue;
      // The adapter and its S3 client are loaded only when a Kubernetes provider is enabled.
      const [api, { KubernetesProvider }, { kubernetesRunStorage }] = await Promise.all([
        createKubeApi(section),
        import('./kubernetes.provider'),
        import('./kubernetes-storage'),
      ]);
      this.registry.register(new KubernetesProvider(name, section, api, kubernetesRunStorage(section)));
      this.logger.log(`training provider '${name}' enabled (namespace ${section.namespace})`);
    }
  }
}
