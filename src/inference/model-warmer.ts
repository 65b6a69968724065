import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { EventRelay } from '../events/event-relay';
import type { DomainEvent } from '../events/event-topics';
import { MODEL_REGISTRY, type ModelRegistry } from '../registry/model-registry.port';
import { LIFECYCLE_EVENTS } from '../registry/registry.events';
import { ModelExecutor } from './runtime/model-executor.service';

/**
 * Loads a model version as soon as it is promoted to production (on every replica, since the relay sees
 * every committed event), so the first prediction does not pay the session load.
 */
@Injectable()
export class ModelWarmer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ModelWarmer');
  private unsubscribe: (() => void) | undefined;
  private warmed = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    private readonly relay: EventRelay,
    private readonly executor: ModelExecutor,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.inference.warm_on_promotion) return;
    this.unsubscribe = this.relay.subscribe(['lifecycle'], (event) => void this.onLifecycle(event));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  stats(): { warmed: number } {
    return { warmed: this.warmed };
  }

  private async onLifecycle(event: DomainEvent): Promise<void> {
    if (event.type !== LIFECYCLE_EVENTS.stageChanged || event.data.to_stage !== 'production') return;
    const modelId = String(event.data.model_id);
    try {
      await this.executor.warm(await this.registry.resolve(modelId));
      this.warmed += 1;
    } catch (error) {
      // A version that cannot be loaded is reported at its first prediction, with the reason.
      this.logger.warn(`could not warm ${modelId}: ${(error as Error).message}`);
    }
  }
}
