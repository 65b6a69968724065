import type { DynamicModule, Type } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.schema';
import type { DomainEvent, EventTopic } from '../events/event-topics';
import type { TrainingProvider } from '../providers/training-provider.port';

/*
 * What a plugin is: an npm package or a path listed in ARTENIC_PLUGINS whose default export (or
 * `module.exports`) is an ArtenicPlugin. Plugins are loaded before the application module is built, so
 * a plugin's Nest module is a first-class part of the application (controllers, providers, injection of
 * the platform's global services). Everything else is contributed through plain factories.
 */

/** What a plugin's factories receive. */
export interface PluginContext {
  /** The validated platform configuration (read-only). */
  config: Readonly<AppConfig>;
  /** A directory the plugin may use for its own files: `<ARTENIC_DATA_DIR>/plugins/<name>`. */
  dataDir: string;
  logger: { log(message: string): void; warn(message: string): void; error(message: string): void };
}

/** An event consumer; called after commit for every event of its topics (at most once per process). */
export interface PluginSubscriber {
  topics: EventTopic[];
  handle(event: DomainEvent): void | Promise<void>;
}

/** An inference runtime contributed by a plugin, keyed by the runtime name model versions declare. */
export interface PluginRuntime {
  name: string;
  /** An object implementing the inference ModelRuntime port (src/inference/runtime/model-runtime.port.ts). */
  runtime: object;
}

export interface ArtenicPlugin {
  name: string;
  version?: string;
  /** A Nest module (class or DynamicModule) imported into the application. */
  module?: Type<unknown> | DynamicModule;
  /** Training providers registered in the ProviderRegistry (dispatch with `provider: <name>`). */
  trainingProviders?: (context: PluginContext) => TrainingProvider[] | Promise<TrainingProvider[]>;
  /** Inference runtimes, collected by PluginContributions for the inference module. */
  runtimes?: (context: PluginContext) => PluginRuntime[] | Promise<PluginRuntime[]>;
  subscribers?: PluginSubscriber[];
}

/** One entry of ARTENIC_PLUGINS after loading: the plugin, or why it could not be loaded. */
export interface LoadedPlugin {
  /** The ARTENIC_PLUGINS entry as written. */
  source: string;
  /** The resolved file (absent when resolution failed). */
  resolved: string | null;
  plugin: ArtenicPlugin | null;
  error: string | null;
}
