import type { DomainError } from '../../common/errors/domain-error';
import { rowsToTensors, tensorsToInputRows, tensorsToRows } from './tensors';

describe('tensors', () => {
  const spec = { name: 'input', datatype: 'FP32' as const, shape: [-1, 2] };

  it('stacks rows into one batch tensor and splits outputs back, unwrapping one-element rows', () => {
    const [tensor] = rowsToTensors([spec], [{ input: [1, 2] }, { input: [3, 4] }]);
    const rows = tensorsToRows(
      [
        { name: 'p', datatype: 'FP32', shape: [2, 1], data: [0.1, 0.2] },
        { name: 'v', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] },
      ],
      2,
    );

    expect(tensor).toEqual({ name: 'input', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] });
    expect(rows).toEqual([
      { p: 0.1, v: [1, 2] },
      { p: 0.2, v: [3, 4] },
    ]);
  });

  it('names the input and the row for wrong shapes, types and missing inputs', () => {
    const attempt = (row: Record<string, unknown>) => {
      try {
        rowsToTensors([spec, { name: 'n', datatype: 'INT64', shape: [-1] }], [row]);
      } catch (error) {
        return error as DomainError;
      }
      throw new Error('accepted');
    };

    expect(attempt({ input: [1, 2, 3], n: 1 }).details).toMatchObject({
      input: 'input',
      got_shape: [3],
      row: 0,
    });
    expect(attempt({ input: [1, true], n: 1 }).details).toMatchObject({
      input: 'input',
      expected_type: 'FP32',
    });
    expect(attempt({ input: [1, 2], n: 1.5 }).details).toMatchObject({ input: 'n', expected_type: 'INT64' });
    expect(attempt({ input: [1, 2] }).code).toBe('MISSING_INPUT');
  });

  it('splits OIP request tensors into rows', () => {
    expect(tensorsToInputRows([{ name: 'x', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] }])).toEqual([
      { x: [1, 2] },
      { x: [3, 4] },
    ]);
  });
});
