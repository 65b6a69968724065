/*
 * How an ensemble turns its members' answers into one answer, row by row. Pure functions: the predictor
 * runs the members and hands the answers of those that answered (in member order) to the combiner.
 */

export const STRATEGIES = ['mean', 'weighted_mean', 'majority_vote', 'max_confidence', 'stacking'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export type Row = Record<string, unknown>;

export interface MemberRows {
  model_id: string;
  rows: Row[];
}

export interface StrategyConfig {
  /** weighted_mean: weight per member model id. */
  weights?: Record<string, number>;
  /** majority_vote: the output holding the class label (default `label`). */
  label_output?: string;
  /** max_confidence / majority_vote tie-break / stacking features: the score output (default `probability`). */
  score_output?: string;
  /** stacking: the registered model version that combines the members' scores. */
  combiner_model_id?: string;
}

type Numeric = number | Numeric[];

const isNumeric = (v: unknown): v is Numeric =>
  typeof v === 'number' ? Number.isFinite(v) : Array.isArray(v) && v.every(isNumeric);

function addScaled(acc: Numeric | undefined, value: Numeric, weight: number): Numeric {
  if (typeof value === 'number') return ((acc as number | undefined) ?? 0) + value * weight;
  return value.map((v, i) => addScaled((acc as Numeric[] | undefined)?.[i], v, weight));
}

function sameShape(a: Numeric, b: Numeric): boolean {
  if (typeof a === 'number' || typeof b === 'number') return typeof a === typeof b;
  return a.length === b.length && a.every((v, i) => sameShape(v, b[i]!));
}

/** Element-wise weighted mean of every numeric output that all members return with the same shape. */
export function weightedMean(members: MemberRows[], weights: number[]): Row[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const first = members[0]!;
  return first.rows.map((row, r) => {
    const out: Row = {};
    for (const [name, value] of Object.entries(row)) {
      if (!isNumeric(value)) continue;
      const values = members.map((m) => m.rows[r]?.[name]);
      if (!values.every((v) => isNumeric(v) && sameShape(v, value))) continue;
      let acc: Numeric | undefined;
      values.forEach((v, i) => (acc = addScaled(acc, v as Numeric, weights[i]! / total)));
      out[name] = acc;
    }
    return out;
  });
}

/** How sure a member is of its answer: p for a class probability vector's max, max(p, 1-p) for a binary p. */
export function confidenceOf(score: unknown): number {
  if (typeof score === 'number') return score >= 0 && score <= 1 ? Math.max(score, 1 - score) : score;
  if (Array.isArray(score) && score.length > 0 && score.every((s) => typeof s === 'number')) {
    return Math.max(...score);
  }
  return Number.NEGATIVE_INFINITY;
}

/**
 * One vote per member for its label; the most voted label wins. Ties go to the label whose voters are the
 * most confident on average, then to the smallest label, so the answer never depends on arrival order.
 */
export function majorityVote(members: MemberRows[], labelOutput: string, scoreOutput: string): Row[] {
  return members[0]!.rows.map((_, r) => {
    const tally = new Map<string, { label: unknown; votes: number; confidence: number }>();
    for (const m of members) {
      const label = m.rows[r]?.[labelOutput];
      if (label === undefined) continue;
      const key = JSON.stringify(label);
      const t = tally.get(key) ?? { label, votes: 0, confidence: 0 };
      t.votes += 1;
      const c = confidenceOf(m.rows[r]?.[scoreOutput]);
      t.confidence += Number.isFinite(c) ? c : 0;
      tally.set(key, t);
    }
    const ranked = [...tally.entries()].sort(
      ([ka, a], [kb, b]) =>
        b.votes - a.votes || b.confidence / b.votes - a.confidence / a.votes || (ka < kb ? -1 : 1),
    );
    const winner = ranked[0]?.[1];
    const voters = [...tally.values()].reduce((n, t) => n + t.votes, 0);
    return {
      [labelOutput]: winner?.label ?? null,
      votes: Object.fromEntries([...tally.values()].map((t) => [String(t.label), t.votes])),
      vote_share: winner && voters > 0 ? winner.votes / voters : 0,
    };
  });
}

/** The whole answer of the most confident member, per row, naming that member. */
export function maxConfidence(members: MemberRows[], scoreOutput: string): Row[] {
  return members[0]!.rows.map((_, r) => {
    let best: { model_id: string; row: Row; confidence: number } | undefined;
    for (const m of members) {
      const row = m.rows[r];
      if (!row) continue;
      const confidence = confidenceOf(row[scoreOutput]);
      if (!best || confidence > best.confidence) best = { model_id: m.model_id, row, confidence };
    }
    return {
      ...(best?.row ?? {}),
      source_model_id: best?.model_id ?? null,
      confidence: best?.confidence ?? null,
    };
  });
}

/** Stacking features: the members' score outputs concatenated in member order, one vector per row. */
export function stackingFeatures(members: MemberRows[], scoreOutput: string): number[][] {
  return members[0]!.rows.map((_, r) =>
    members.flatMap((m) => {
      const v = m.rows[r]?.[scoreOutput];
      return (Array.isArray(v) ? v.flat(Infinity) : [v]) as number[];
    }),
  );
}
