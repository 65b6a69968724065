import { costOf, percentile } from './cost-predictor';

describe('cost maths', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

    const p50 = percentile(sorted, 50);
    const p90 = percentile(sorted, 90);

    expect([p50, p90]).toEqual([50, 90]);
  });

  it('prices seconds of capacity in integer micros', () => {
    const perHour = 2_500_000; // 2.50 per hour

    const tenHours = costOf(perHour, 36_000);
    const oneSecond = costOf(perHour, 1);

    expect([tenHours, oneSecond]).toEqual([25_000_000, 694]);
  });
});
