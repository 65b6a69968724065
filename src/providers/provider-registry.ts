import { Inject, Injectable, Optional } from '@nestjs/common';
import { invalid } from '../common/errors/domain-error';
import { TRAINING_PROVIDERS, type TrainingProvider } from './training-provider.port';

/**
 * The enabled training providers, keyed by name. Built-in adapters (mock, local) arrive through
 * TRAINING_PROVIDERS; cloud adapters and plugins add themselves with `register(adapter)` from their own
 * module's onModuleInit (ProvidersModule is global, so injecting ProviderRegistry is enough).
 */
@Injectable()
export class ProviderRegistry {
  private readonly providers = new Map<string, TrainingProvider>();

  constructor(@Optional() @Inject(TRAINING_PROVIDERS) builtIn: TrainingProvider[] = []) {
    for (const provider of builtIn) this.register(provider);
  }

  register(provider: TrainingProvider): void {
    if (this.providers.has(provider.name)) {
      throw new Error(`training provider '${provider.name}' is already registered`);
    }
    this.providers.set(provider.name, provider);
  }

  /** The provider, or a 400 naming the enabled ones. */
  get(name: string): TrainingProvider {
    const provider = this.providers.get(name);
    if (!provider) {
      const enabled = this.names();
      throw invalid(
        'INVALID_PROVIDER',
        `Unknown provider '${name}'. Enabled providers: ${enabled.join(', ') || 'none'}.`,
        {
          provider: name,
          enabled_providers: enabled,
        },
      );
    }
    return provider;
  }

  find(name: string): TrainingProvider | undefined {
    return this.providers.get(name);
  }

  list(): TrainingProvider[] {
    return [...this.providers.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  names(): string[] {
    return this.list().map((p) => p.name);
  }
}
