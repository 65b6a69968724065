import { z } from 'zod';

/** Booleans as the reference accepted them: true/false, 1/0, yes/no, on/off (any case). */
export const envBool = (fallback: boolean) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off', ''].includes(s)) return false;
    return v;
  }, z.boolean().default(fallback));

/** Numbers given as strings in the environment. */
export const envNumber = (schema: z.ZodNumber, fallback: number) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), schema.default(fallback));

/** Lists and maps are JSON in the environment (a comma-separated list is an error, as in the reference). */
export const envJson = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }, schema);

/** A whole section may be given as JSON in its top-level variable (ARTENIC_HEALTH='{"enabled":true}'). */
export const envSection = <T extends z.ZodRawShape>(shape: T) =>
  envJson(z.object(shape)).default({} as never) as unknown as z.ZodDefault<z.ZodObject<T>>;

/**
 * Builds the nested object that the schema validates from `ARTENIC_*` variables: the prefix is stripped,
 * names are case-insensitive, `__` descends one level, and a section given as JSON merges under its
 * nested variables (nested ones win).
 */
export function collectArtenicEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const entries = Object.entries(env)
    .filter(([k, v]) => v !== undefined && k.toUpperCase().startsWith('ARTENIC_'))
    // Shorter paths first so that a section's JSON is laid down before its nested variables.
    .sort(([a], [b]) => a.split('__').length - b.split('__').length);
  for (const [key, value] of entries) {
    const path = key.slice('ARTENIC_'.length).toLowerCase().split('__').filter(Boolean);
    let node = root;
    path.forEach((segment, i) => {
      if (i === path.length - 1) {
        const existing = node[segment];
        if (existing && typeof existing === 'object') return; // nested values already placed win
        node[segment] = parseSectionJson(value as string) ?? value;
        return;
      }
      const next = node[segment];
      if (typeof next === 'string') node[segment] = parseSectionJson(next) ?? {};
      else if (!next || typeof next !== 'object') node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    });
  }
  return root;
}

function parseSectionJson(value: string): Record<string, unknown> | undefined {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `['health', 'check_interval_seconds']` → `ARTENIC_HEALTH__CHECK_INTERVAL_SECONDS`. */
export function envVarName(path: readonly PropertyKey[]): string {
  return `ARTENIC_${path.map((p) => String(p).toUpperCase()).join('__')}`;
}
