import { validationFailed, type FieldError } from '../common/errors/domain-error';
import type { AbVariant } from './ab-test.entities';

const VARIANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** The built-in metrics measured on every prediction; anything else is a business metric fed back by clients. */
export const BUILTIN_METRICS = ['latency', 'error_rate'] as const;
export const isBuiltinMetric = (m: string) => (BUILTIN_METRICS as readonly string[]).includes(m);

/**
 * Checks the reference's variant map (`name → {model_id, traffic_pct}`, plus ensemble arms) and returns it
 * normalised; every problem is reported with its field path (the reference answered 500).
 */
export function parseVariants(raw: Record<string, unknown>): Record<string, AbVariant> {
  const errors: FieldError[] = [];
  const err = (loc: Array<string | number>, msg: string, type = 'value_error') =>
    errors.push({ loc: ['body', 'variants', ...loc], msg, type });
  const entries = Object.entries(raw);
  if (entries.length < 2) err([], 'At least two variants are required');
  const out: Record<string, AbVariant> = {};
  for (const [name, value] of entries) {
    if (!VARIANT_NAME.test(name)) err([name], `must match ${VARIANT_NAME.source}`);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      err([name], 'must be an object with model_id (or ensemble_id) and traffic_pct', 'dict_type');
      continue;
    }
    const v = value as Record<string, unknown>;
    const extra = Object.keys(v).filter(
      (k) => !['model_id', 'ensemble_id', 'ensemble_version', 'traffic_pct'].includes(k),
    );
    extra.forEach((k) => err([name, k], 'unknown field', 'extra_forbidden'));
    const pct = v.traffic_pct;
    if (typeof pct !== 'number' || !Number.isFinite(pct) || pct <= 0 || pct > 100)
      err([name, 'traffic_pct'], 'must be a number in (0, 100]');
    const model = v.model_id;
    const ensemble = v.ensemble_id;
    if ((model === undefined) === (ensemble === undefined))
      err([name], 'give exactly one of model_id or ensemble_id', 'missing');
    if (model !== undefined && (typeof model !== 'string' || model.length === 0 || model.length > 255))
      err([name, 'model_id'], 'must be a model version id or name@alias');
    if (ensemble !== undefined && (typeof ensemble !== 'string' || ensemble.length === 0))
      err([name, 'ensemble_id'], 'must be an ensemble id');
    const ev = v.ensemble_version;
    if (ev !== undefined && (!Number.isInteger(ev) || (ev as number) < 1))
      err([name, 'ensemble_version'], 'must be a positive integer');
    out[name] = {
      ...(typeof model === 'string' ? { model_id: model } : {}),
      ...(typeof ensemble === 'string' ? { ensemble_id: ensemble } : {}),
      ...(typeof ev === 'number' ? { ensemble_version: ev } : {}),
      traffic_pct: typeof pct === 'number' ? pct : 0,
    };
  }
  const sum = Object.values(out).reduce((s, v) => s + v.traffic_pct, 0);
  if (errors.length === 0 && Math.abs(sum - 100) > 1e-6)
    err([], `Traffic percentages must sum to 100, got ${sum}`);
  if (errors.length > 0) throw validationFailed(errors);
  return out;
}
