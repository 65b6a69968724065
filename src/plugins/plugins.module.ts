import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { LoadedPlugin } from './plugin.contract';
import { LOADED_PLUGINS, PluginHost } from './plugin-host';

/** Hosts the plugins loaded before the application was built (see bootstrap/create-app.ts). */
@Global()
@Module({})
export class PluginsModule {
  static forRoot(loaded: LoadedPlugin[]): DynamicModule {
    const modules = loaded.flatMap((l) => (l.plugin?.module ? [l.plugin.module] : []));
    return {
      module: PluginsModule,
      imports: modules,
      providers: [{ provide: LOADED_PLUGINS, useValue: loaded }, PluginHost],
      exports: [PluginHost],
    };
  }
}
