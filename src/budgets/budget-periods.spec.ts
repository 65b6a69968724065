import { periodWindow } from './budget-periods';

describe('periodWindow (UTC calendar windows)', () => {
  const at = new Date('2026-03-04T23:30:00.000Z'); // a Wednesday

  it('bounds a day at UTC midnight', () => {
    expect(periodWindow('daily', at)).toEqual({
      start: new Date('2026-03-04T00:00:00.000Z'),
      end: new Date('2026-03-05T00:00:00.000Z'),
    });
  });

  it('starts a week on Monday, also when now is a Sunday', () => {
    expect(periodWindow('weekly', at).start).toEqual(new Date('2026-03-02T00:00:00.000Z'));
    expect(periodWindow('weekly', new Date('2026-03-08T12:00:00Z'))).toEqual({
      start: new Date('2026-03-02T00:00:00.000Z'),
      end: new Date('2026-03-09T00:00:00.000Z'),
    });
  });

  it('bounds a month across a year end', () => {
    expect(periodWindow('monthly', new Date('2026-12-31T23:59:59Z'))).toEqual({
      start: new Date('2026-12-01T00:00:00.000Z'),
      end: new Date('2027-01-01T00:00:00.000Z'),
    });
  });

  it('has no end for total', () => {
    expect(periodWindow('total', at)).toEqual({ start: new Date(0), end: null });
  });
});
