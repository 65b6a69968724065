import { extname, resolve } from 'node:path';
import type { AppConfig } from '../config/app-config.schema';
import { invalid } from '../common/errors/domain-error';
import type { LaunchSpec } from '../providers/training-provider.port';
import type { TrainingAttemptEntity } from './training-attempt.entity';
import type { TrainingJobEntity } from './training-job.entity';

/** Dispatch `config` keys the platform itself reads (the rest is provider-specific). */
export interface CommonJobConfig {
  command?: string[];
  entry_point?: string;
  args?: string[];
  env?: Record<string, string>;
  hyperparameters?: Record<string, unknown>;
}

/** Refuses a malformed `config` at dispatch (400) rather than failing the job later. */
export function validateJobConfig(config: Record<string, unknown>): void {
  const stringArray = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const problems: string[] = [];
  if (
    config.command !== undefined &&
    (!stringArray(config.command) || (config.command as unknown[]).length === 0)
  ) {
    problems.push('config.command must be a non-empty array of strings');
  }
  if (config.entry_point !== undefined && typeof config.entry_point !== 'string')
    problems.push('config.entry_point must be a string');
  if (config.args !== undefined && !stringArray(config.args))
    problems.push('config.args must be an array of strings');
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (
    config.env !== undefined &&
    (!isObject(config.env) || Object.values(config.env as object).some((v) => typeof v !== 'string'))
  ) {
    problems.push('config.env must map names to strings');
  }
  if (config.hyperparameters !== undefined && !isObject(config.hyperparameters))
    problems.push('config.hyperparameters must be an object');
  if (problems.length > 0) throw invalid('INVALID_JOB_CONFIG', problems.join('; '), { problems });
}

/** `learning_rate` → `ARTENIC_HP_LEARNING_RATE`; strings as-is, everything else as JSON (true, 0.01, [1,2]). */
export function hyperparameterEnv(hp: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = { ARTENIC_HYPERPARAMETERS: JSON.stringify(hp) };
  for (const [name, value] of Object.entries(hp)) {
    env[`ARTENIC_HP_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`] =
      typeof value === 'string' ? value : JSON.stringify(value);
  }
  return env;
}

/** The argv: `command`, else the entry point run by the interpreter its extension names. */
export function commandOf(config: CommonJobConfig, appConfig: AppConfig): string[] {
  if (config.command) return config.command;
  if (!config.entry_point) return [];
  const entry = resolve(config.entry_point); // relative to the platform's directory, never the empty job dir
  const args = config.args ?? [];
  const ext = extname(entry);
  if (['.js', '.cjs', '.mjs'].includes(ext)) return [process.execPath, entry, ...args];
  if (ext === '.py') return [appConfig.local.python_executable || 'python3', entry, ...args];
  return [entry, ...args];
}

export function buildLaunchSpec(
  job: TrainingJobEntity,
  attempt: TrainingAttemptEntity,
  appConfig: AppConfig,
): LaunchSpec {
  const config = job.config as CommonJobConfig & Record<string, unknown>;
  const env: Record<string, string> = {
    ...(config.env ?? {}),
    ...hyperparameterEnv(config.hyperparameters ?? {}),
    ARTENIC_JOB_ID: job.id,
    ARTENIC_SERVICE: job.service,
    ARTENIC_MODEL: job.model,
    ARTENIC_ATTEMPT: String(attempt.attempt),
    ...(attempt.resume_from ? { ARTENIC_RESUME_FROM: attempt.resume_from } : {}),
  };
  return {
    job_id: job.id,
    attempt: attempt.attempt,
    service: job.service,
    model: job.model,
    command: commandOf(config, appConfig),
    env,
    instance_type: attempt.instance_type,
    region: attempt.region,
    spot: attempt.spot,
    gpu: { type: job.gpu_type, count: job.gpu_count },
    max_runtime_seconds: job.max_runtime_seconds,
    idempotency_token: `${job.id}-${attempt.attempt}`,
    code_uri: null,
    checkpoint_uri: job.checkpoint_uri,
    resume_from: attempt.resume_from,
    output_uri: null,
    options: config,
  };
}
