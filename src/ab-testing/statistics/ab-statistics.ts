import { chiSquareSf, normalQuantile } from './distributions';

/** Sufficient statistics of one arm, as aggregated in SQL: count, sum and sum of squares. */
export interface ArmMoments {
  n: number;
  sum: number;
  sum_sq: number;
}

/** `mean` for continuous metrics (latency, business values), `proportion` for 0/1 outcomes (errors). */
export type MetricKind = 'mean' | 'proportion';

export interface ArmSummary {
  n: number;
  mean: number | null;
  sd: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

export function variance(m: ArmMoments, kind: MetricKind): number {
  if (m.n === 0) return 0;
  const mean = m.sum / m.n;
  if (kind === 'proportion') return mean * (1 - mean);
  if (m.n < 2) return 0;
  // Sum-of-squares form can dip below zero by rounding when every value is equal.
  return Math.max(0, (m.sum_sq - m.n * mean * mean) / (m.n - 1));
}

/** n, mean, sd and a two-sided (1 − alpha) interval: Wilson for proportions, normal for means. */
export function summarizeArm(m: ArmMoments, kind: MetricKind, alpha: number): ArmSummary {
  if (m.n === 0) return { n: 0, mean: null, sd: null, ci_low: null, ci_high: null };
  const mean = m.sum / m.n;
  const sd = Math.sqrt(variance(m, kind));
  const z = normalQuantile(1 - alpha / 2);
  if (kind === 'proportion') {
    const denom = 1 + (z * z) / m.n;
    const centre = (mean + (z * z) / (2 * m.n)) / denom;
    const half = (z * Math.sqrt((mean * (1 - mean)) / m.n + (z * z) / (4 * m.n * m.n))) / denom;
    return { n: m.n, mean, sd, ci_low: centre - half, ci_high: centre + half };
  }
  const half = (z * sd) / Math.sqrt(m.n);
  return { n: m.n, mean, sd, ci_low: mean - half, ci_high: mean + half };
}

export interface SequentialComparison {
  /** treatment mean − control mean. */
  difference: number;
  relative_difference: number | null;
  /** Mixture likelihood ratio of "some difference" against "no difference". */
  likelihood_ratio: number;
  /** Always-valid p-value at this look: min(1, 1/Λ). */
  p_value: number;
  /** Always-valid (1 − alpha) confidence sequence for the difference. */
  ci_low: number;
  ci_high: number;
  significant: boolean;
}

/**
 * Mixture sequential probability ratio test (Johari, Pekelis & Walsh, "Always valid inference", 2017) for a
 * difference of two means, normal mixing distribution N(0, τ²) on the difference:
 *   Λ = sqrt(V / (V + τ²)) · exp(θ̂² τ² / (2 V (V + τ²))),  V = s²_A/n_A + s²_B/n_B.
 * Λ is a nonnegative martingale under the null, so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α: the result can
 * be read after every observation without inflating false positives. `tau2` is the mixture variance on the
 * scale of the difference.
 */
export function msprt(
  control: ArmMoments,
  treatment: ArmMoments,
  kind: MetricKind,
  alpha: number,
  tau2: number,
): SequentialComparison {
  const meanA = control.n > 0 ? control.sum / control.n : 0;
  const meanB = treatment.n > 0 ? treatment.sum / treatment.n : 0;
  const difference = meanB - meanA;
  const relative = meanA !== 0 ? difference / Math.abs(meanA) : null;
  const v =
    control.n > 0 && treatment.n > 0
      ? variance(control, kind) / control.n + variance(treatment, kind) / treatment.n
      : 0;
  if (!(v > 0) || !(tau2 > 0)) {
    return {
      difference,
      relative_difference: relative,
      likelihood_ratio: 1,
      p_value: 1,
      ci_low: -Infinity,
      ci_high: Infinity,
      significant: false,
    };
  }
  const logLr = 0.5 * Math.log(v / (v + tau2)) + (difference * difference * tau2) / (2 * v * (v + tau2));
  const lr = Math.exp(Math.min(logLr, 700));
  const half = Math.sqrt(
    ((2 * v * (v + tau2)) / tau2) * (Math.log(1 / alpha) + 0.5 * Math.log((v + tau2) / v)),
  );
  return {
    difference,
    relative_difference: relative,
    likelihood_ratio: lr,
    p_value: Math.min(1, 1 / lr),
    ci_low: difference - half,
    ci_high: difference + half,
    significant: logLr >= Math.log(1 / alpha),
  };
}

/**
 * The mixture variance: τ = (expected standardized effect) × pooled standard deviation, so the test is most
 * powerful around differences of that size (Johari et al. recommend matching τ to the effects one expects).
 */
export function mixtureVariance(
  control: ArmMoments,
  treatment: ArmMoments,
  kind: MetricKind,
  effect: number,
) {
  const pooled = (variance(control, kind) + variance(treatment, kind)) / 2;
  return effect * effect * pooled;
}

export interface SampleRatioCheck {
  chi_square: number;
  p_value: number;
  mismatch: boolean;
  observed: number[];
  expected: number[];
}

/** Pearson chi-square goodness of fit of the arm counts to the configured weights (a broken split shows here). */
export function sampleRatioMismatch(
  counts: number[],
  weights: number[],
  threshold: number,
): SampleRatioCheck {
  const total = counts.reduce((s, c) => s + c, 0);
  const weightSum = weights.reduce((s, w) => s + w, 0);
  const expected = weights.map((w) => (total * w) / weightSum);
  if (total === 0) return { chi_square: 0, p_value: 1, mismatch: false, observed: counts, expected };
  const chi = counts.reduce((s, c, i) => s + (c - expected[i]!) ** 2 / expected[i]!, 0);
  const p = chiSquareSf(chi, counts.length - 1);
  return { chi_square: chi, p_value: p, mismatch: p < threshold, observed: counts, expected };
}

/**
 * Per-arm sample size a fixed-horizon two-sided z-test needs to detect `effect` (absolute difference) with
 * the given power: n = (z₁₋α/₂ + z_power)² · (σ²_A + σ²_B) / effect².
 */
export function sampleSizePerArm(varA: number, varB: number, effect: number, alpha: number, power: number) {
  if (!(effect !== 0) || !(varA + varB > 0)) return null;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return Math.ceil((z * z * (varA + varB)) / (effect * effect));
}
