/*
 * Turns sampled prediction rows (the JSON the inference gateway recorded) into one column of values per
 * feature, the shape the drift tests need.
 */

export type FeatureValue = number | string;

/** Arrays longer than this are tensors (images, embeddings), not features one would test one by one. */
export const MAX_ARRAY_FEATURES = 32;
/** A row with more leaves than this contributes only its first ones (bounded work per tick). */
export const MAX_FEATURES = 200;

/** The rows of one record: a batch record keeps `{ batch: rows }`, a single-row record the row itself. */
export function recordRows(value: unknown, batchSize: number): Array<Record<string, unknown>> {
  if (!isObject(value)) return [];
  if (batchSize > 1) {
    const batch = value.batch;
    return Array.isArray(batch) ? batch.filter(isObject) : [];
  }
  return [value];
}

/**
 * Leaves of a row, named by path: `input[0]`, `meta.country`. Numbers stay numbers; strings and booleans
 * are categories; nulls and non-finite numbers are missing values and skipped.
 */
export function flattenRow(row: Record<string, unknown>): Array<[string, FeatureValue]> {
  const out: Array<[string, FeatureValue]> = [];
  const visit = (path: string, value: unknown) => {
    if (out.length >= MAX_FEATURES) return;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) out.push([path, value]);
    } else if (typeof value === 'string' || typeof value === 'boolean') {
      out.push([path, String(value)]);
    } else if (Array.isArray(value)) {
      if (value.length <= MAX_ARRAY_FEATURES) value.forEach((v, i) => visit(`${path}[${i}]`, v));
    } else if (isObject(value)) {
      for (const [key, v] of Object.entries(value)) visit(path ? `${path}.${key}` : key, v);
    }
  };
  visit('', row);
  return out;
}

/** feature → its values across rows, in row order. */
export function featureColumns(rows: ReadonlyArray<Record<string, unknown>>): Map<string, FeatureValue[]> {
  const columns = new Map<string, FeatureValue[]>();
  for (const row of rows) {
    for (const [name, value] of flattenRow(row)) {
      const column = columns.get(name);
      if (column) column.push(value);
      else columns.set(name, [value]);
    }
  }
  return columns;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
