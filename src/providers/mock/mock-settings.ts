import { invalid } from '../../common/errors/domain-error';

/**
 * How a mock job behaves, from the dispatch request's `config.mock`. Everything is relative to the
 * attempt's start on the database clock, so the outcome is the same whichever replica polls and when.
 */
export interface MockSettings {
  /** Seconds from start to success. */
  duration_seconds: number;
  /** Seconds spent in `provisioning` before running. */
  provision_seconds: number;
  /** Fail (exit code 1) this many seconds after start. */
  fail_at_seconds: number | null;
  /** A spot attempt is preempted this many seconds after start … */
  preempt_at_seconds: number | null;
  /** … for the first N spot attempts (default: every spot attempt). */
  preempt_attempts: number | null;
  /** `provision` itself throws (capacity refused, quota …). */
  provision_error: string | null;
  /** Final metrics reported on success. */
  metrics: Record<string, number>;
  /** Files "written" by the job: collected as artifacts (name → UTF-8 content). */
  files: Record<string, string>;
}

const DEFAULTS: MockSettings = {
  duration_seconds: 0,
  provision_seconds: 0,
  fail_at_seconds: null,
  preempt_at_seconds: null,
  preempt_attempts: null,
  provision_error: null,
  metrics: { accuracy: 0.95, loss: 0.05 },
  files: {},
};

export function parseMockSettings(options: Record<string, unknown>): MockSettings {
  const raw = options.mock ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid('INVALID_MOCK_CONFIG', 'config.mock must be an object.');
  }
  const input = raw as Record<string, unknown>;
  const num = (key: keyof MockSettings, nullable: boolean): number | null => {
    const value = input[key];
    if (value === undefined || value === null) return nullable ? null : (DEFAULTS[key] as number);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw invalid('INVALID_MOCK_CONFIG', `config.mock.${key} must be a non-negative number.`, {
        field: key,
      });
    }
    return value;
  };
  const record = <T>(key: 'metrics' | 'files', type: 'number' | 'string'): Record<string, T> => {
    const value = input[key];
    if (value === undefined) return DEFAULTS[key] as Record<string, T>;
    if (typeof value !== 'object' || value === null || Object.values(value).some((v) => typeof v !== type)) {
      throw invalid('INVALID_MOCK_CONFIG', `config.mock.${key} must map names to ${type}s.`, { field: key });
    }
    return value as Record<string, T>;
  };
  const unknownKeys = Object.keys(input).filter((k) => !(k in DEFAULTS));
  if (unknownKeys.length > 0) {
    throw invalid('INVALID_MOCK_CONFIG', `Unknown config.mock keys: ${unknownKeys.join(', ')}.`, {
      keys: unknownKeys,
    });
  }
  return {
    duration_seconds: num('duration_seconds', false) as number,
    provision_seconds: num('provision_seconds', false) as number,
    fail_at_seconds: num('fail_at_seconds', true),
    preempt_at_seconds: num('preempt_at_seconds', true),
    preempt_attempts: num('preempt_attempts', true),
    provision_error: typeof input.provision_error === 'string' ? input.provision_error : null,
    metrics: record<number>('metrics', 'number'),
    files: record<string>('files', 'string'),
  };
}
