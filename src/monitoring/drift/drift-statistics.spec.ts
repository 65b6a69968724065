import {
  OTHER_LEVEL,
  binCounts,
  categoricalPsi,
  kolmogorovSurvival,
  ksPValue,
  ksTwoSample,
  numericPsi,
  percentile,
  psiFromCounts,
  quantileEdges,
} from './drift-statistics';

/*
 * Expected values are hand-computed (shown in the comments) or were computed with scipy 1.17
 * (`scipy.stats.ks_2samp(...).statistic`, `scipy.stats.kstwobign.sf(λ)`), independently of this code.
 */
describe('drift statistics', () => {
  describe('quantile bins', () => {
    it('places the k−1 inner edges at the inverted-CDF quantiles of the reference', () => {
      const reference = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];

      const edges = quantileEdges(reference, 4);

      // sorted[⌈2.5⌉−1] = 3, sorted[⌈5⌉−1] = 5, sorted[⌈7.5⌉−1] = 8
      expect(edges).toEqual([3, 5, 8]);
      expect(binCounts(reference, edges)).toEqual([3, 2, 3, 2]);
      expect(binCounts([-100, 3, 3.5, 8, 8.01, 1e9], edges)).toEqual([2, 1, 1, 2]);
    });

    it('merges the edges of tied values instead of producing empty bins', () => {
      const reference = [1, 1, 1, 1, 1, 1, 1, 2, 3, 4];

      const edges = quantileEdges(reference, 5);

      // quantiles 1, 1, 1, 2 (j = 1…4 → sorted[1], sorted[3], sorted[5], sorted[7])
      expect(edges).toEqual([1, 2]);
      expect(binCounts(reference, edges)).toEqual([7, 1, 2]);
    });

    it('has no edge for a constant reference (one bin)', () => {
      expect(quantileEdges([2, 2, 2], 10)).toEqual([]);
    });
  });

  describe('PSI', () => {
    it('is 0 for identical counts', () => {
      expect(psiFromCounts([10, 20, 30], [10, 20, 30])).toBe(0);
    });

    it('matches the hand-computed value with the half-observation pseudo-count', () => {
      // p = (5.5/11, 5.5/11), q = (10.5/11, 0.5/11):
      // (q1−p1)·ln(q1/p1) + (q2−p2)·ln(q2/p2) = 0.454545·ln(1.909091) + 0.454545·ln(11) = 1.3838738
      expect(psiFromCounts([5, 5], [10, 0])).toBeCloseTo(1.3838738353288287, 12);
      expect(psiFromCounts([10, 20, 30, 40], [40, 30, 20, 10])).toBeCloseTo(0.8719768526109903, 12);
    });

    it('bins a numeric current sample on the reference quantiles', () => {
      const reference = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

      const result = numericPsi(reference, [9, 10, 11, 12], 2);

      // edge sorted[⌈5⌉−1] = 5: reference (5, 5), current (0, 4)
      expect(result.edges).toEqual([5]);
      expect(result.reference_counts).toEqual([5, 5]);
      expect(result.current_counts).toEqual([0, 4]);
      const p = 5.5 / 11;
      const q = [0.5 / 5, 4.5 / 5];
      expect(result.psi).toBeCloseTo(
        (q[0]! - p) * Math.log(q[0]! / p) + (q[1]! - p) * Math.log(q[1]! / p),
        12,
      );
    });

    it('counts categories seen on either side and pools the rarest beyond the cap', () => {
      const result = categoricalPsi(['a', 'a', 'b', 'c'], ['a', 'd', 'd', 'e'], 2);

      // overall frequencies: a 3, d 2, then b, c, e pooled
      expect(result.levels).toEqual(['a', 'd', OTHER_LEVEL]);
      expect(result.reference_counts).toEqual([2, 0, 2]);
      expect(result.current_counts).toEqual([1, 2, 1]);
      expect(result.psi).toBeCloseTo(psiFromCounts([2, 0, 2], [1, 2, 1]), 12);
    });
  });

  describe('two-sample Kolmogorov–Smirnov', () => {
    it('finds the largest gap between the empirical CDFs (hand-computed)', () => {
      // after 5: F_ref = 1, F_cur = 3/6
      expect(ksTwoSample([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8]).statistic).toBeCloseTo(0.5, 12);
    });

    it('steps over tied values on both sides together', () => {
      // at 2: F_ref = 4/5, F_cur = 3/6 → 0.3 (stepping one side at a time would report 0.4 at 1)
      expect(ksTwoSample([1, 1, 2, 2, 3], [1, 2, 2, 3, 3, 3]).statistic).toBeCloseTo(0.3, 12);
    });

    it('agrees with scipy on larger samples', () => {
      const a = Array.from({ length: 60 }, (_, i) => Math.sin(i + 1) * 3);
      const b = Array.from({ length: 40 }, (_, i) => Math.cos((i + 1) * 1.7) * 3 + 0.8);

      const result = ksTwoSample(a, b);

      expect(result.statistic).toBeCloseTo(0.23333333333333334, 12);
      expect(result.effective_n).toBe(24);
      expect(result.p_value).toBeCloseTo(0.12560339849058083, 10);
    });

    it('reproduces the known critical values of the Kolmogorov distribution', () => {
      // Q_KS(1.224) = 0.10, Q_KS(1.358) = 0.05, Q_KS(1.628) = 0.01 (scipy kstwobign.sf)
      expect(kolmogorovSurvival(1.224)).toBeCloseTo(0.09992557750630869, 12);
      expect(kolmogorovSurvival(1.358)).toBeCloseTo(0.05002679733444698, 12);
      expect(kolmogorovSurvival(1.628)).toBeCloseTo(0.009975522431181053, 12);
      expect(kolmogorovSurvival(0.5)).toBeCloseTo(0.9639452436648751, 12);
      expect(kolmogorovSurvival(1)).toBeCloseTo(0.26999967167735456, 12);
      expect(kolmogorovSurvival(0.05)).toBe(1);
    });

    it('applies the Stephens correction to the effective sample size', () => {
      // λ = (√50 + 0.12 + 0.11/√50)·0.3 → scipy kstwobign.sf(λ)
      expect(ksPValue(0.3, 50)).toBeCloseTo(0.00017421323105301935, 14);
    });

    it('rejects at the 5% critical value D = 1.358·√((n+m)/(n·m)) and not below it', () => {
      const n = 400;
      const critical = 1.358 * Math.sqrt((n + n) / (n * n));

      expect(ksPValue(critical * 1.05, n / 2)).toBeLessThan(0.05);
      expect(ksPValue(critical * 0.95, n / 2)).toBeGreaterThan(0.05);
    });

    it('reports no difference for an empty side', () => {
      expect(ksTwoSample([], [1, 2])).toEqual({ statistic: 0, p_value: 1, effective_n: 0 });
    });
  });

  it('takes nearest-rank percentiles', () => {
    const latencies = Array.from({ length: 100 }, (_, i) => 100 - i);

    expect(percentile(latencies, 50)).toBe(50);
    expect(percentile(latencies, 95)).toBe(95);
    expect(percentile(latencies, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});
