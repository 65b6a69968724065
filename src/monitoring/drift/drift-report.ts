import { categoricalPsi, ksTwoSample, numericPsi } from './drift-statistics';
import { featureColumns, type FeatureValue } from './feature-columns';

export interface DriftOptions {
  /** Equal-frequency bins of the reference for the PSI of numeric features. */
  bins: number;
  /** PSI at or above this raises an alert. */
  psiThreshold: number;
  /** Family-wise significance of the KS tests of one evaluation (Bonferroni over the features tested). */
  ksAlpha: number;
  /** Fewer values than this on either side: the feature is reported but not tested. */
  minSamples: number;
  /** Integer-valued features with at most this many distinct reference values are categories (labels). */
  integerLevels: number;
  /** Categories kept per feature; the rarest beyond are pooled. */
  maxLevels: number;
}

export interface FeatureDrift {
  feature: string;
  kind: 'numeric' | 'categorical';
  reference_n: number;
  current_n: number;
  /** false: too few values on one side, nothing tested. */
  tested: boolean;
  psi: number | null;
  ks_statistic: number | null;
  ks_p_value: number | null;
  /** Which tests flagged the feature: `psi`, `ks`. */
  alerts: string[];
}

export interface DriftReport {
  inputs: FeatureDrift[];
  outputs: FeatureDrift[];
  /** Largest PSI over tested features (the `drift_score` of the snapshot). */
  max_psi: number | null;
  min_ks_p_value: number | null;
  /** Per-test significance after the Bonferroni correction. */
  ks_alpha_per_test: number | null;
  /** `input_drift:<feature>` / `prediction_drift:<feature>` for every flagged feature. */
  alerts: string[];
}

export interface DriftSamples {
  inputs: ReadonlyArray<Record<string, unknown>>;
  outputs: ReadonlyArray<Record<string, unknown>>;
}

/** Compares current samples with the reference, feature by feature, for inputs and predictions. */
export function driftReport(
  reference: DriftSamples,
  current: DriftSamples,
  options: DriftOptions,
): DriftReport {
  const inputs = compareColumns(reference.inputs, current.inputs, options);
  const outputs = compareColumns(reference.outputs, current.outputs, options);
  const all = [...inputs, ...outputs];
  const ksTested = all.filter((f) => f.ks_p_value !== null).length;
  const perTest = ksTested > 0 ? options.ksAlpha / ksTested : null;
  for (const f of all) {
    if (!f.tested) continue;
    if (f.psi !== null && f.psi >= options.psiThreshold) f.alerts.push('psi');
    if (perTest !== null && f.ks_p_value !== null && f.ks_p_value < perTest) f.alerts.push('ks');
  }
  const tested = all.filter((f) => f.tested);
  return {
    inputs,
    outputs,
    max_psi: maxOf(tested.map((f) => f.psi)),
    min_ks_p_value: minOf(tested.map((f) => f.ks_p_value)),
    ks_alpha_per_test: perTest,
    alerts: [
      ...inputs.filter((f) => f.alerts.length > 0).map((f) => `input_drift:${f.feature}`),
      ...outputs.filter((f) => f.alerts.length > 0).map((f) => `prediction_drift:${f.feature}`),
    ],
  };
}

function compareColumns(
  referenceRows: ReadonlyArray<Record<string, unknown>>,
  currentRows: ReadonlyArray<Record<string, unknown>>,
  options: DriftOptions,
): FeatureDrift[] {
  const reference = featureColumns(referenceRows);
  const current = featureColumns(currentRows);
  return [...reference.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([feature, refValues]) => compareFeature(feature, refValues, current.get(feature) ?? [], options));
}

function compareFeature(
  feature: string,
  ref: FeatureValue[],
  cur: FeatureValue[],
  options: DriftOptions,
): FeatureDrift {
  const numeric = isNumericFeature(ref, options.integerLevels);
  const refValues = numeric ? ref.filter(isNumber) : ref.map(String);
  const curValues = numeric ? cur.filter(isNumber) : cur.map(String);
  const tested = refValues.length >= options.minSamples && curValues.length >= options.minSamples;
  const drift = (psi: number | null, ks: { statistic: number; p_value: number } | null): FeatureDrift => ({
    feature,
    kind: numeric ? 'numeric' : 'categorical',
    reference_n: refValues.length,
    current_n: curValues.length,
    tested,
    psi,
    ks_statistic: ks?.statistic ?? null,
    ks_p_value: ks?.p_value ?? null,
    alerts: [],
  });
  if (!tested) return drift(null, null);
  if (!numeric)
    return drift(categoricalPsi(refValues as string[], curValues as string[], options.maxLevels).psi, null);
  const refNumbers = refValues as number[];
  const curNumbers = curValues as number[];
  return drift(numericPsi(refNumbers, curNumbers, options.bins).psi, ksTwoSample(refNumbers, curNumbers));
}

/**
 * Numbers are numeric features, except integer-valued ones with few distinct values (class labels,
 * counts of a few levels): the KS p-value is wrong under heavy ties, and categories are what they are.
 */
function isNumericFeature(values: FeatureValue[], integerLevels: number): boolean {
  if (!values.every(isNumber)) return false;
  if (!values.every((v) => Number.isInteger(v))) return true;
  return new Set(values).size > integerLevels;
}

const isNumber = (v: FeatureValue): v is number => typeof v === 'number';

function maxOf(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length > 0 ? Math.max(...present) : null;
}

function minOf(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length > 0 ? Math.min(...present) : null;
}
