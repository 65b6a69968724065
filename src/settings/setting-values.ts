import type { FieldError } from '../common/errors/domain-error';
import type { SettingField, SettingValue } from './settings-schema';

/** Longest string value accepted (URLs, secrets); a setting is not a document store. */
const MAX_STRING = 4096;

type Parsed = { ok: true; value: SettingValue } | { ok: false; msg: string; type: string };

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/**
 * Converts a value from a PUT body into the field's type. The CLI sends every value as a string
 * (`--set k=v`), so strings are parsed; JSON numbers, booleans and string arrays of the right type are
 * accepted as well. Anything else, or a value out of bounds, is an error naming what was expected.
 */
export function parseSettingValue(field: SettingField, raw: unknown): Parsed {
  const parsed = parseByType(field, raw);
  if (!parsed.ok) return parsed;
  const { value } = parsed;
  if (typeof value === 'number') {
    if (field.min !== undefined && value < field.min) {
      return { ok: false, msg: `must be at least ${field.min}`, type: 'greater_than_equal' };
    }
    if (field.max !== undefined && value > field.max) {
      return { ok: false, msg: `must be at most ${field.max}`, type: 'less_than_equal' };
    }
  }
  if (typeof value === 'string' && field.choices && !field.choices.includes(value)) {
    return { ok: false, msg: `must be one of: ${field.choices.join(', ')}`, type: 'literal_error' };
  }
  return parsed;
}

function parseByType(field: SettingField, raw: unknown): Parsed {
  switch (field.type) {
    case 'int': {
      const n = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
      return typeof n === 'number' && Number.isSafeInteger(n)
        ? { ok: true, value: n }
        : { ok: false, msg: 'must be an integer', type: 'int_parsing' };
    }
    case 'float': {
      const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      return typeof n === 'number' && Number.isFinite(n)
        ? { ok: true, value: n }
        : { ok: false, msg: 'must be a number', type: 'float_parsing' };
    }
    case 'bool': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      const s = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      if (s !== undefined && TRUE.includes(s)) return { ok: true, value: true };
      if (s !== undefined && FALSE.includes(s)) return { ok: true, value: false };
      return { ok: false, msg: 'must be a boolean (true/false)', type: 'bool_parsing' };
    }
    case 'str':
      if (typeof raw !== 'string') return { ok: false, msg: 'must be a string', type: 'string_type' };
      return raw.length > MAX_STRING
        ? { ok: false, msg: `must be at most ${MAX_STRING} characters`, type: 'string_too_long' }
        : { ok: true, value: raw };
    case 'list[str]':
      return parseList(raw);
  }
}

function parseList(raw: unknown): Parsed {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      value = undefined;
    }
  }
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
    ? { ok: true, value: value }
    : { ok: false, msg: 'must be a JSON list of strings, e.g. ["a","b"]', type: 'list_type' };
}

/** The canonical text form stored in the database and returned by the API. */
export function formatSettingValue(value: SettingValue): string {
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

/** Reads a stored canonical value back; a row that no longer parses (schema changed) yields undefined. */
export function decodeSettingValue(field: SettingField, stored: string): SettingValue | undefined {
  const parsed = parseSettingValue(field, stored);
  return parsed.ok ? parsed.value : undefined;
}

export function valuesEqual(a: SettingValue, b: SettingValue): boolean {
  return formatSettingValue(a) === formatSettingValue(b);
}

export const fieldError = (key: string, msg: string, type: string): FieldError => ({
  loc: ['body', key],
  msg,
  type,
});
