import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.schema';
import { APP_CONFIG } from '../config/config.module';
import { EventRelay } from '../events/event-relay';
import { HealthIndicators, type ComponentHealth } from '../health/health-indicators';
import { ProviderRegistry } from '../providers/provider-registry';
import type { TrainingProvider } from '../providers/training-provider.port';
import type { LoadedPlugin, PluginContext, PluginRuntime, PluginSubscriber } from './plugin.contract';

export const LOADED_PLUGINS = Symbol('LOADED_PLUGINS');

export interface PluginStatus {
  name: string | null;
  version: string | null;
  source: string;
  status: 'loaded' | 'failed';
  error: string | null;
  module: boolean;
  training_providers: string[];
  runtimes: string[];
  subscribers: number;
}

/**
 * Wires what loaded plugins contribute: training providers into the ProviderRegistry, runtimes into
 * PluginContributions, subscribers onto the event relay; reports every plugin in /health/detailed. A
 * contribution that throws marks its plugin failed; the platform keeps running.
 */
@Injectable()
export class PluginHost implements OnModuleInit {
  private readonly logger = new Logger('Plugins');
  private readonly statuses: PluginStatus[] = [];
  private readonly contributedRuntimes: PluginRuntime[] = [];

  constructor(
    @Inject(LOADED_PLUGINS) private readonly loaded: LoadedPlugin[],
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly relay: EventRelay,
    private readonly health: HealthIndicators,
    @Optional() private readonly providers?: ProviderRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const entry of this.loaded) this.statuses.push(await this.wire(entry));
    this.health.register('plugins', () => this.report());
  }

  /** Runtimes contributed by plugins, for the inference module. */
  runtimes(): PluginRuntime[] {
    return [...this.contributedRuntimes];
  }

  list(): PluginStatus[] {
    return this.statuses.map((s) => ({ ...s }));
  }

  private async wire(entry: LoadedPlugin): Promise<PluginStatus> {
    const plugin = entry.plugin;
    const status: PluginStatus = {
      name: plugin?.name ?? null,
      version: plugin?.version ?? null,
      source: entry.source,
      status: plugin ? 'loaded' : 'failed',
      error: entry.error,
      module: plugin?.module !== undefined,
      training_providers: [],
      runtimes: [],
      subscribers: 0,
    };
    if (!plugin) {
      this.logger.error(`plugin ${entry.source} failed to load: ${entry.error}`);
      return status;
    }
    try {
      const context = this.context(plugin.name);
      await this.addProviders(plugin.trainingProviders?.(context), status);
      const runtimes = (await plugin.runtimes?.(context)) ?? [];
      this.contributedRuntimes.push(...runtimes);
      status.runtimes = runtimes.map((r) => r.name);
      for (const subscriber of plugin.subscribers ?? []) this.subscribe(plugin.name, subscriber);
      status.subscribers = plugin.subscribers?.length ?? 0;
      this.logger.log(
        `plugin ${plugin.name}${plugin.version ? `@${plugin.version}` : ''} loaded from ${entry.source}`,
      );
    } catch (error) {
      status.status = 'failed';
      status.error = (error as Error).message;
      this.logger.error(`plugin ${plugin.name} failed to start: ${status.error}`);
    }
    return status;
  }

  private async addProviders(
    pending: TrainingProvider[] | Promise<TrainingProvider[]> | undefined,
    status: PluginStatus,
  ): Promise<void> {
    const providers = (await pending) ?? [];
    if (providers.length > 0 && !this.providers)
      throw new Error('training providers are not available in this build');
    for (const provider of providers) {
      this.providers?.register(provider);
      status.training_providers.push(provider.name);
    }
  }

  private subscribe(plugin: string, subscriber: PluginSubscriber): void {
    this.relay.subscribe(subscriber.topics, (event) => {
      void Promise.resolve()
        .then(() => subscriber.handle(event))
        .catch((error: unknown) =>
          this.logger.warn(
            `plugin ${plugin} subscriber failed on event ${event.id}: ${(error as Error).message}`,
          ),
        );
    });
  }

  private context(name: string): PluginContext {
    const dataDir = join(resolve(this.config.data_dir), 'plugins', name);
    mkdirSync(dataDir, { recursive: true });
    const logger = new Logger(`Plugin:${name}`);
    return {
      config: this.config,
      dataDir,
      logger: { log: (m) => logger.log(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
    };
  }

  private report(): ComponentHealth {
    if (this.statuses.length === 0) return { status: 'disabled', plugins: [] };
    const failed = this.statuses.some((s) => s.status === 'failed');
    return { status: failed ? 'degraded' : 'up', plugins: this.list() };
  }
}
