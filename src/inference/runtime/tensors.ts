import { DomainError } from '../../common/errors/domain-error';
import type { BatchTensor, OipDatatype, TensorSpec } from './model-runtime.port';

/*
 * JSON rows ↔ batch tensors. A row is `{ <input name>: value }` where value is a nested array of the
 * input's per-row shape (its declared shape without the batch dimension), or a scalar when that shape holds
 * one element. Outputs come back the same way, an output of one element per row as a scalar.
 */

type Scalar = number | string | boolean;
export type Row = Record<string, unknown>;

const INT_RANGES: Partial<Record<OipDatatype, [number, number]>> = {
  INT8: [-128, 127],
  INT16: [-32768, 32767],
  INT32: [-2147483648, 2147483647],
  INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  UINT8: [0, 255],
};

export const invalidInput = (input: string, message: string, details: Record<string, unknown> = {}) =>
  new DomainError('invalid', 'INVALID_INPUT', `input '${input}': ${message}`, { input, ...details });

export const elementCount = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

function acceptsValue(datatype: OipDatatype, value: unknown): boolean {
  if (datatype === 'BOOL') return typeof value === 'boolean';
  if (datatype === 'BYTES') return typeof value === 'string';
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  const range = INT_RANGES[datatype];
  return !range || (Number.isInteger(value) && value >= range[0] && value <= range[1]);
}

const TYPE_WORDS: Record<OipDatatype, string> = {
  BOOL: 'booleans',
  BYTES: 'strings',
  FP16: 'numbers',
  FP32: 'numbers',
  FP64: 'numbers',
  INT8: 'integers',
  INT16: 'integers',
  INT32: 'integers',
  INT64: 'integers',
  UINT8: 'non-negative integers',
};

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** The shape of a nested JSON array (`[]` for a scalar); throws when it is ragged. */
function shapeOf(spec: TensorSpec, value: unknown): number[] {
  if (!Array.isArray(value)) return [];
  if (value.length === 0) return [0];
  const first = shapeOf(spec, value[0]);
  for (let i = 1; i < value.length; i += 1) {
    const v: unknown = value[i];
    const ragged = first.length === 0 ? Array.isArray(v) : !sameShape(shapeOf(spec, v), first);
    if (ragged) throw invalidInput(spec.name, 'is a ragged array');
  }
  return [value.length, ...first];
}

function flatten(value: unknown, out: unknown[]): void {
  if (Array.isArray(value)) for (const v of value) flatten(v, out);
  else out.push(value);
}

/**
 * Checks one row's value against the per-row part of the declared shape, appends its elements to `out`
 * (checking their type) and returns the row's shape.
 */
function appendRow(
  spec: TensorSpec,
  value: unknown,
  rowIndex: number,
  fixed: number[],
  out: Scalar[],
): number[] {
  const expected = fixed;
  // The common case, a flat vector for a [batch, n] input: checked and copied in one pass.
  if (expected.length === 1 && Array.isArray(value) && appendFlat(spec, value, expected[0]!, rowIndex, out)) {
    return [value.length];
  }
  let got = shapeOf(spec, value);
  if (got.length === 0 && elementCount(expected.map((d) => (d < 0 ? 1 : d))) === 1)
    got = expected.map(() => 1);
  const matches =
    got.length === expected.length && got.every((d, i) => expected[i]! < 0 || expected[i] === d);
  if (!matches) {
    throw invalidInput(
      spec.name,
      `row ${rowIndex} has shape [${got.join(', ')}], expected [${describe(expected)}]`,
      {
        row: rowIndex,
        expected_shape: spec.shape,
        got_shape: got,
      },
    );
  }
  const start = out.length;
  flatten(value, out);
  for (let i = start; i < out.length; i += 1) {
    if (!acceptsValue(spec.datatype, out[i])) {
      throw invalidInput(
        spec.name,
        `row ${rowIndex} must hold ${TYPE_WORDS[spec.datatype]} (${spec.datatype})`,
        {
          row: rowIndex,
          expected_type: spec.datatype,
        },
      );
    }
  }
  return got;
}

/**
 * Appends a flat array of the declared length (or any length, for a variable dimension) after checking its
 * element types; false, appending nothing, when it is not flat or not of that length (the general path
 * then names the problem).
 */
function appendFlat(
  spec: TensorSpec,
  value: readonly unknown[],
  length: number,
  rowIndex: number,
  out: Scalar[],
): boolean {
  if ((length >= 0 && value.length !== length) || value.length === 0) return false;
  for (let i = 0; i < value.length; i += 1) if (Array.isArray(value[i])) return false;
  for (let i = 0; i < value.length; i += 1) {
    if (!acceptsValue(spec.datatype, value[i])) {
      throw invalidInput(
        spec.name,
        `row ${rowIndex} must hold ${TYPE_WORDS[spec.datatype]} (${spec.datatype})`,
        { row: rowIndex, expected_type: spec.datatype },
      );
    }
  }
  for (let i = 0; i < value.length; i += 1) out.push(value[i] as Scalar);
  return true;
}

const describe = (shape: readonly number[]) => shape.map((d) => (d < 0 ? '*' : String(d))).join(', ');

/** Builds one batch tensor per declared input from JSON rows (the declared first dimension is the batch). */
export function rowsToTensors(inputs: readonly TensorSpec[], rows: readonly Row[]): BatchTensor[] {
  return inputs.map((spec) => {
    const perRow = spec.shape.slice(1);
    const data: Scalar[] = [];
    let rowShape: number[] | undefined;
    rows.forEach((row, i) => {
      if (!(spec.name in row)) {
        throw new DomainError('invalid', 'MISSING_INPUT', `input '${spec.name}' is missing from row ${i}`, {
          input: spec.name,
          row: i,
          expected_shape: spec.shape,
          expected_type: spec.datatype,
        });
      }
      const got = appendRow(spec, row[spec.name], i, perRow, data);
      // Variable inner dimensions must agree across the rows of one batch.
      const shape = perRow.map((d, k) => (d >= 0 ? d : (got[k] ?? 1)));
      if (rowShape && !sameShape(rowShape, shape)) {
        throw invalidInput(spec.name, `row ${i} does not have the shape of row 0`, { row: i });
      }
      rowShape = shape;
    });
    return { name: spec.name, datatype: spec.datatype, shape: [rows.length, ...(rowShape ?? [])], data };
  });
}

function nest(flat: readonly unknown[], shape: readonly number[]): unknown {
  if (shape.length === 0) return flat[0];
  const [head, ...rest] = shape;
  const size = elementCount(rest);
  return Array.from({ length: head! }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), rest));
}

/** Splits batch output tensors into JSON rows; an output holding one element per row becomes a scalar. */
export function tensorsToRows(outputs: readonly BatchTensor[], rowCount: number): Row[] {
  const rows: Row[] = Array.from({ length: rowCount }, () => ({}));
  for (const tensor of outputs) {
    const batched = tensor.shape.length > 0 && tensor.shape[0] === rowCount;
    const perRow = batched ? tensor.shape.slice(1) : tensor.shape;
    const size = elementCount(perRow);
    rows.forEach((row, i) => {
      if (size === 1) row[tensor.name] = tensor.data[batched ? i : 0];
      else {
        const slice = batched ? tensor.data.slice(i * size, (i + 1) * size) : tensor.data;
        row[tensor.name] = nest(slice, perRow);
      }
    });
  }
  return rows;
}

/** The OIP datatype of JSON values that carry no declared type (ensemble outputs). */
export function inferDatatype(values: readonly unknown[]): OipDatatype {
  if (values.every((v) => typeof v === 'boolean')) return 'BOOL';
  if (values.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'INT64';
  if (values.every((v) => typeof v === 'number')) return 'FP64';
  return 'BYTES';
}

/** JSON rows back to batch tensors, keeping the declared output types where the model declares them. */
export function rowsToOutputTensors(
  rows: readonly Row[],
  declared: readonly TensorSpec[] = [],
): BatchTensor[] {
  const names = rows.length > 0 ? Object.keys(rows[0]!) : declared.map((d) => d.name);
  return names.map((name) => {
    const values = rows.map((r) => r[name]);
    const perRow = Array.isArray(values[0]) ? (shapeOfValue(values[0]) ?? []) : [];
    const data: unknown[] = [];
    flatten(values, data);
    const datatype = declared.find((d) => d.name === name)?.datatype ?? inferDatatype(data);
    return { name, datatype, shape: [rows.length, ...perRow], data: data as Scalar[] };
  });
}

function shapeOfValue(value: unknown): number[] | undefined {
  if (!Array.isArray(value)) return [];
  const inner = value.length > 0 ? shapeOfValue(value[0]) : [];
  return inner ? [value.length, ...inner] : undefined;
}

/** Splits OIP request tensors (shape [N, …]) into rows, checking that every input has N rows. */
export function tensorsToInputRows(tensors: readonly BatchTensor[]): Row[] {
  const first = tensors[0];
  if (!first) throw new DomainError('invalid', 'INVALID_INPUT', 'the request has no inputs');
  const rowCount = first.shape[0] ?? 1;
  for (const t of tensors) {
    if (elementCount(t.shape) !== t.data.length) {
      throw invalidInput(t.name, `shape [${t.shape.join(', ')}] does not match its ${t.data.length} values`);
    }
    if ((t.shape[0] ?? 1) !== rowCount)
      throw invalidInput(t.name, `has ${t.shape[0]} rows, expected ${rowCount}`);
  }
  const rows: Row[] = Array.from({ length: rowCount }, () => ({}));
  for (const t of tensors) {
    const perRow = t.shape.slice(1);
    const size = elementCount(perRow);
    rows.forEach((row, i) => {
      row[t.name] = nest(t.data.slice(i * size, (i + 1) * size), perRow);
    });
  }
  return rows;
}
