import { createHash } from 'node:crypto';

export interface WeightedVariant {
  name: string;
  /** Traffic share in percent; the shares of a test sum to 100. */
  traffic_pct: number;
}

/**
 * A uniform number in [0, 1) from SHA-256 of (test id, subject): the same subject always lands in the same
 * bucket of a given test, and buckets of different tests are independent (the test id salts the hash).
 */
export function assignmentPoint(testId: string, subject: string): number {
  const digest = createHash('sha256').update(testId).update('\u0000').update(subject).digest();
  // 48 bits fit exactly in a double.
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/** The variant whose cumulative share covers the subject's point (variants in their declared order). */
export function assignVariant<V extends WeightedVariant>(testId: string, subject: string, variants: V[]): V {
  const total = variants.reduce((s, v) => s + v.traffic_pct, 0);
  const point = assignmentPoint(testId, subject) * total;
  let cumulative = 0;
  for (const v of variants) {
    cumulative += v.traffic_pct;
    if (point < cumulative) return v;
  }
  return variants[variants.length - 1]!;
}
