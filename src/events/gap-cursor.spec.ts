import { GapCursor } from './gap-cursor';

const ids = (...n: number[]) => n.map((id) => ({ id }));

describe('GapCursor', () => {
  it('advances over a contiguous run', () => {
    const cursor = new GapCursor(10, 1000);

    const out = cursor.advance(ids(11, 12, 13));

    expect(out.map((e) => e.id)).toEqual([11, 12, 13]);
    expect(cursor.position).toBe(13);
  });

  it('stops before a gap until the grace period has passed, then skips it', () => {
    let now = 0;
    const cursor = new GapCursor(10, 1000, () => now);

    const first = cursor.advance(ids(11, 13, 14));
    now = 999;
    const second = cursor.advance(ids(13, 14));
    now = 1000;
    const third = cursor.advance(ids(13, 14));

    expect(first.map((e) => e.id)).toEqual([11]);
    expect(second).toEqual([]);
    expect(cursor.position).toBe(14);
    expect(third.map((e) => e.id)).toEqual([13, 14]);
  });

  it('delivers the late id when it commits within the grace period, in order', () => {
    let now = 0;
    const cursor = new GapCursor(10, 1000, () => now);

    cursor.advance(ids(12));
    now = 500;
    const out = cursor.advance(ids(11, 12));

    expect(out.map((e) => e.id)).toEqual([11, 12]);
    expect(cursor.waiting).toBe(false);
  });
});
