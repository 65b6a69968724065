import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '@app/config/app-config.schema';
import { APP_CONFIG } from '@app/config/config.module';
import { ProviderRegistry } from './provider-registry';
import type { TrainingProvider } from './training-provider.port';

/**
 * OCI, OVH, Infomaniak, Hetzner, Scaleway, Lambda Labs, RunPod and Vast.ai over their REST APIs: each adapter is
 * built from its `ARTENIC_<P>__*` section only when `ENABLED=true`, and added to the provider registry.
 */
@Module({})
export class RestCloudProvidersModule implements OnModuleInit {
  private readonly logger = new Logger('RestCloudProviders');

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

  private build(): Promise<TrainingProvider[]> {
    const c = this.config;
    // Each adapter (and the SDKs it uses) is loaded only when its cloud is enabled.
    const enabled: Array<[boolean, () => Promise<TrainingProvider>]> = [
      [c.oci.enabled, async () => new (await import('./oci/oci.provider')).OciProvider(c.oci)],
      [c.ovh.enabled, async () => (await import('./ovh/ovh.provider')).createOvhProvider(c.ovh)],
      [
        c.infomaniak.enabled,
        async () => (await import('./infomaniak/infomaniak.provider')).createInfomaniakProvider(c.infomaniak),
      ],
      [
        c.hetzner.enabled,
        async () => new (await import('./hetzner/hetzner.provider')).HetznerProvider(c.hetzner),
      ],
      [
        c.scaleway.enabled,
        async () => new (await import('./scaleway/scaleway.provider')).ScalewayProvider(c.scaleway),
      ],
      [
        c.lambda_labs.enabled,
        async () =>
          new (await import('./lambda-labs/lambda-labs.provider')).LambdaLabsProvider(c.lambda_labs),
      ],
      [c.runpod.enabled, async () => new (await import('./runpod/runpod.provider')).RunpodProvider(c.runpod)],
      [c.vastai.enabled, async () => new (await import('./vastai/vastai.provider')).VastAiProvider(c.vastai)],
    ];
    return Promise.all(enabled.filter(([on]) => on).map(([, build]) => build()));
  }
}
