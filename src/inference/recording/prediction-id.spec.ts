import { predictionId } from './prediction-id';

describe('predictionId', () => {
  it('is a UUIDv7 whose timestamp is the current time', () => {
    const before = Date.now();

    const id = predictionId();

    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('orders ids by creation, even many within one millisecond, without repeats', () => {
    const ids = Array.from({ length: 20_000 }, () => predictionId());

    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
