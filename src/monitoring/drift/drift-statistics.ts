/*
 * Pure drift statistics: Population Stability Index over quantile bins or categories, and the two-sample
 * Kolmogorov–Smirnov test. No I/O, no Nest: the unit specs check them against hand-computed cases and
 * values computed with scipy.
 */

/**
 * Pseudo-count added to every bin before proportions are taken: p_i = (c_i + ε) / (n + k·ε). An empty bin
 * would otherwise make ln(p_cur / p_ref) infinite; half an observation keeps the distribution normalised
 * and the index finite while barely moving well-populated bins.
 */
export const PSI_EPSILON = 0.5;

/**
 * The k − 1 inner bin edges of k equal-frequency bins taken from the reference sample: the inverted-CDF
 * quantile sorted[⌈j·n/k⌉ − 1] for j = 1…k−1, duplicates removed (ties make fewer, wider bins). A value v
 * falls in bin i = number of edges strictly below v, so bin 0 is (−∞, e₁], the last bin (e_last, +∞).
 */
export function quantileEdges(reference: readonly number[], bins: number): number[] {
  if (reference.length === 0 || bins < 2) return [];
  const sorted = [...reference].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let j = 1; j < bins; j++) {
    const value = sorted[Math.max(0, Math.ceil((j * sorted.length) / bins) - 1)]!;
    if (edges.length === 0 || value > edges[edges.length - 1]!) edges.push(value);
  }
  // The largest reference value as an edge would leave the last bin empty in the reference itself.
  if (edges.length > 0 && edges[edges.length - 1]! >= sorted[sorted.length - 1]!) edges.pop();
  return edges;
}

/** Counts per bin for the edges of `quantileEdges` (binary search: the samples can be large). */
export function binCounts(values: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]! += 1;
  }
  return counts;
}

/** PSI = Σ (p_cur − p_ref) · ln(p_cur / p_ref) over bins, with the ε pseudo-count of PSI_EPSILON. */
export function psiFromCounts(reference: readonly number[], current: readonly number[]): number {
  if (reference.length !== current.length) throw new Error('PSI needs the same bins on both sides');
  const k = reference.length;
  const nRef = reference.reduce((s, c) => s + c, 0);
  const nCur = current.reduce((s, c) => s + c, 0);
  let psi = 0;
  for (let i = 0; i < k; i++) {
    const p = (reference[i]! + PSI_EPSILON) / (nRef + k * PSI_EPSILON);
    const q = (current[i]! + PSI_EPSILON) / (nCur + k * PSI_EPSILON);
    psi += (q - p) * Math.log(q / p);
  }
  return psi;
}

export interface BinnedPsi {
  psi: number;
  edges: number[];
  reference_counts: number[];
  current_counts: number[];
}

/** PSI of a numeric feature over `bins` equal-frequency bins of the reference. */
export function numericPsi(
  reference: readonly number[],
  current: readonly number[],
  bins: number,
): BinnedPsi {
  const edges = quantileEdges(reference, bins);
  const reference_counts = binCounts(reference, edges);
  const current_counts = binCounts(current, edges);
  return { psi: psiFromCounts(reference_counts, current_counts), edges, reference_counts, current_counts };
}

export interface CategoricalPsi {
  psi: number;
  levels: string[];
  reference_counts: number[];
  current_counts: number[];
}

export const OTHER_LEVEL = '__other__';

/**
 * PSI over categories: the levels seen on either side, the `maxLevels` most frequent overall kept and
 * the rest pooled in `__other__` (so a high-cardinality feature does not explode into tiny bins).
 */
export function categoricalPsi(
  reference: readonly string[],
  current: readonly string[],
  maxLevels: number,
): CategoricalPsi {
  const total = new Map<string, number>();
  for (const v of [...reference, ...current]) total.set(v, (total.get(v) ?? 0) + 1);
  const ranked = [...total.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const kept = ranked.slice(0, maxLevels).map(([level]) => level);
  const levels = ranked.length > maxLevels ? [...kept, OTHER_LEVEL] : kept;
  const index = new Map(kept.map((level, i) => [level, i]));
  const count = (values: readonly string[]) => {
    const counts = new Array<number>(levels.length).fill(0);
    for (const v of values) counts[index.get(v) ?? levels.length - 1]! += 1;
    return counts;
  };
  const reference_counts = count(reference);
  const current_counts = count(current);
  return { psi: psiFromCounts(reference_counts, current_counts), levels, reference_counts, current_counts };
}

export interface KsResult {
  /** sup over x of |F_ref(x) − F_cur(x)|. */
  statistic: number;
  p_value: number;
  /** n·m / (n + m). */
  effective_n: number;
}

/** Two-sample Kolmogorov–Smirnov test (two-sided); ties are stepped over together. */
export function ksTwoSample(reference: readonly number[], current: readonly number[]): KsResult {
  const a = [...reference].sort((x, y) => x - y);
  const b = [...current].sort((x, y) => x - y);
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return { statistic: 0, p_value: 1, effective_n: 0 };
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i]!, b[j]!);
    while (i < n && a[i] === x) i++;
    while (j < m && b[j] === x) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  const effective_n = (n * m) / (n + m);
  return { statistic: d, p_value: ksPValue(d, effective_n), effective_n };
}

/**
 * Asymptotic p-value of D with Stephens' small-sample correction (as in Numerical Recipes' kstwo):
 * λ = (√nₑ + 0.12 + 0.11/√nₑ)·D, p = Q_KS(λ).
 */
export function ksPValue(d: number, effectiveN: number): number {
  const root = Math.sqrt(effectiveN);
  return kolmogorovSurvival((root + 0.12 + 0.11 / root) * d);
}

/** Q_KS(λ) = 2 Σ_{j≥1} (−1)^{j−1} e^{−2j²λ²}: the survival function of the Kolmogorov distribution. */
export function kolmogorovSurvival(lambda: number): number {
  // Below ~0.2 the series converges too slowly to be summed, and Q is 1 to double precision there.
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let j = 1; j <= 100; j++) {
    const term = (j % 2 === 1 ? 2 : -2) * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-16) break;
  }
  return Math.min(1, Math.max(0, sum));
}

/** Nearest-rank percentile (p in 0…100) of an unsorted sample; null for an empty one. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}
