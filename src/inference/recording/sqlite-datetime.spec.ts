import { DateUtils } from 'typeorm/util/DateUtils';
import { sqliteDatetime } from './prediction-recorder';

describe('sqliteDatetime', () => {
  it('writes what TypeORM writes for a datetime column on SQLite', () => {
    for (const ms of [
      0,
      1,
      999,
      1_795_775_972_640,
      Date.UTC(2026, 0, 2, 3, 4, 5, 67),
      Date.UTC(9999, 11, 31),
    ]) {
      const date = new Date(ms);
      expect(sqliteDatetime(date)).toBe(DateUtils.mixedDateToUtcDatetimeString(date));
    }
  });
});
