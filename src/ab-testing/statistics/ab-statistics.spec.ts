import { chiSquareSf, kolmogorovSf, normalCdf, normalQuantile } from './distributions';
import {
  mixtureVariance,
  msprt,
  sampleRatioMismatch,
  sampleSizePerArm,
  summarizeArm,
  type ArmMoments,
} from './ab-statistics';

const moments = (values: number[]): ArmMoments => ({
  n: values.length,
  sum: values.reduce((s, v) => s + v, 0),
  sum_sq: values.reduce((s, v) => s + v * v, 0),
});
const proportion = (n: number, k: number): ArmMoments => ({ n, sum: k, sum_sq: k });

// Expected values below were computed with SciPy 1.17 (scipy.stats) in a separate Python session.
describe('distributions against SciPy', () => {
  it.each([
    [3.2, 1, 0.07363827012030258],
    [25, 2, 3.7266531720786718e-6],
    [0.5, 3, 0.9188914116546758],
  ])('chi2.sf(%p, %p)', (x, df, expected) => {
    expect(chiSquareSf(x, df)).toBeCloseTo(expected, 7);
  });

  it('normal cdf and quantile', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 6);
    expect(normalCdf(-2.5)).toBeCloseTo(0.006209665325776132, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 6);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 6);
  });

  it('Kolmogorov tail', () => {
    expect(kolmogorovSf(1.0)).toBeCloseTo(0.26999967167735456, 8);
    expect(kolmogorovSf(1.36)).toBeCloseTo(0.049485876755377876, 8);
  });
});

describe('A/B statistics', () => {
  it('summarizes a proportion with a Wilson interval', () => {
    const s = summarizeArm(proportion(200, 30), 'proportion', 0.05);

    expect(s.mean).toBeCloseTo(0.15, 12);
    expect(s.ci_low).toBeCloseTo(0.10713593562241995, 6);
    expect(s.ci_high).toBeCloseTo(0.20605579284166659, 6);
  });

  it('summarizes a continuous metric with the sample standard deviation', () => {
    const s = summarizeArm(moments([1, 2, 3, 4, 10]), 'mean', 0.05);

    expect(s.mean).toBe(4);
    expect(s.sd).toBeCloseTo(3.5355339059327378, 10);
  });

  it('computes the mixture likelihood ratio of the mSPRT', () => {
    const a = proportion(1000, 100);
    const b = proportion(1000, 130);

    const r = msprt(a, b, 'proportion', 0.05, mixtureVariance(a, b, 'proportion', 0.1));

    expect(r.difference).toBeCloseTo(0.03, 12);
    expect(r.likelihood_ratio).toBeCloseTo(2.587006351712868, 6);
    expect(r.p_value).toBeCloseTo(1 / 2.587006351712868, 6);
    expect(r.significant).toBe(false);
    expect(r.ci_low).toBeLessThan(0);
    expect(r.ci_high).toBeGreaterThan(0.03);
  });

  it('flags a sample ratio mismatch with the chi-square test', () => {
    const even = sampleRatioMismatch([5200, 4800], [50, 50], 0.001);
    const skewed = sampleRatioMismatch([9150, 850], [90, 10], 0.001);
    const fine = sampleRatioMismatch([9010, 990], [90, 10], 0.001);

    expect(even.chi_square).toBeCloseTo(16, 10);
    expect(even.p_value).toBeCloseTo(6.334248366623988e-5, 9);
    expect(even.mismatch).toBe(true);
    expect(skewed.chi_square).toBeCloseTo(25, 10);
    expect(skewed.p_value).toBeCloseTo(5.733031437583875e-7, 11);
    expect(fine.mismatch).toBe(false);
  });

  it('reports the fixed-horizon sample size per arm', () => {
    expect(sampleSizePerArm(0.09, 0.1131, 0.03, 0.05, 0.8)).toBe(1772);
    expect(sampleSizePerArm(0.09, 0.1131, 0, 0.05, 0.8)).toBeNull();
  });
});
