import { resolve } from 'node:path';
import { appConfigSchema, type AppConfig } from './app-config.schema';
import { collectArtenicEnv, envVarName } from './env-parsing';

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Reads and validates the configuration once. `env` is injectable so that tests and tools build a
 * configuration without touching `process.env`; it is the only place the environment is read.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = appConfigSchema.safeParse(collectArtenicEnv(env));
  if (!parsed.success) {
    throw new ConfigValidationError(
      parsed.error.issues.map((issue) => `${envVarName(issue.path)}: ${issue.message}`),
    );
  }
  const config = parsed.data;
  if (!config.database_url) {
    config.database_url = `sqlite:${resolve(config.data_dir, 'artenic.db')}`;
  }
  config.local.inherited_env = Object.fromEntries(
    config.local.env_passthrough
      .filter((name) => !name.toUpperCase().startsWith('ARTENIC_') && env[name] !== undefined)
      .map((name) => [name, env[name] as string]),
  );
  return config;
}
