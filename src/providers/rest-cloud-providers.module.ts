import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '@app/config/app-config.schema';
import { APP_CONFIG } from '@app/config/config.module';
import { HetznerProvider } from './hetzner/hetzner.provider';
import { createInfomaniakProvider } from './infomaniak/infomaniak.provider';
import { LambdaLabsProvider } from './lambda-labs/lambda-labs.provider';
import { OciProvider } from './oci/oci.provider';
import { createOvhProvider } from './ovh/ovh.provider';
import { ProviderRegistry } from './provider-registry';
import { RunpodProvider } from './runpod/runpod.provider';
import { ScalewayProvider } from './scaleway/scaleway.provider';
import type { TrainingProvider } from './training-provider.port';
import { VastAiProvider } from './vastai/vastai.provider';

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

  onModuleInit(): void {
    for (const provider of this.build()) {
      this.registry.register(provider);
      this.logger.log(`training provider '${provider.name}' enabled`);
    }
  }

  private build(): TrainingProvider[] {
    const c = this.config;
    const enabled: Array<[boolean, () => TrainingProvider]> = [
      [c.oci.enabled, () => new OciProvider(c.oci)],
      [c.ovh.enabled, () => createOvhProvider(c.ovh)],
      [c.infomaniak.enabled, () => createInfomaniakProvider(c.infomaniak)],
      [c.hetzner.enabled, () => new HetznerProvider(c.hetzner)],
      [c.scaleway.enabled, () => new ScalewayProvider(c.scaleway)],
      [c.lambda_labs.enabled, () => new LambdaLabsProvider(c.lambda_labs)],
      [c.runpod.enabled, () => new RunpodProvider(c.runpod)],
      [c.vastai.enabled, () => new VastAiProvider(c.vastai)],
    ];
    return enabled.filter(([on]) => on).map(([, build]) => build());
  }
}
