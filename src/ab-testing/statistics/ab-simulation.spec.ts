import { assignVariant } from '../routing/variant-assignment';
import {
  mixtureVariance,
  msprt,
  sampleRatioMismatch,
  sampleSizePerArm,
  type ArmMoments,
} from './ab-statistics';

/** xorshift128+ seeded generator: reproducible simulations without Math.random. */
function rng(seed: number) {
  let s0 = seed >>> 0 || 1;
  let s1 = (seed * 2654435761) >>> 0 || 2;
  const next = () => {
    let x = s0;
    const y = s1;
    s0 = y;
    x ^= x << 23;
    x ^= x >>> 17;
    x ^= y ^ (y >>> 26);
    s1 = x >>> 0;
    return ((s0 + s1) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

interface Simulation {
  /** Index of the first look at which the test declared a difference, or -1. */
  stoppedAt: number;
  /** Observations per arm at that look. */
  n: number;
}

/** One test: 10,000 observations split evenly, the sequential test read after every 100. */
function simulate(draw: (arm: 0 | 1) => number, kind: 'mean' | 'proportion', alpha: number): Simulation {
  const arms: [ArmMoments, ArmMoments] = [
    { n: 0, sum: 0, sum_sq: 0 },
    { n: 0, sum: 0, sum_sq: 0 },
  ];
  for (let look = 1; look <= 100; look++) {
    for (let i = 0; i < 100; i++) {
      const arm = (i & 1) as 0 | 1;
      const v = draw(arm);
      arms[arm].n += 1;
      arms[arm].sum += v;
      arms[arm].sum_sq += v * v;
    }
    const tau2 = mixtureVariance(arms[0], arms[1], kind, 0.1);
    if (msprt(arms[0], arms[1], kind, alpha, tau2).significant) return { stoppedAt: look, n: arms[0].n };
  }
  return { stoppedAt: -1, n: arms[0].n };
}

describe('sequential test under continuous monitoring (simulations)', () => {
  const alpha = 0.05;

  it('A/A on a continuous metric: peeking every 100 observations keeps false positives within alpha + 1 pp', () => {
    const r = rng(11);
    const runs = Array.from({ length: 500 }, () => simulate(() => 100 + 15 * r.normal(), 'mean', alpha));

    const falsePositiveRate = runs.filter((s) => s.stoppedAt > 0).length / runs.length;

    expect(falsePositiveRate).toBeLessThanOrEqual(alpha + 0.01);
  });

  it('A/A on a rate (errors, conversions): false positives within alpha + 1 pp', () => {
    const r = rng(23);
    const runs = Array.from({ length: 500 }, () =>
      simulate(() => (r.next() < 0.1 ? 1 : 0), 'proportion', alpha),
    );

    const falsePositiveRate = runs.filter((s) => s.stoppedAt > 0).length / runs.length;

    expect(falsePositiveRate).toBeLessThanOrEqual(alpha + 0.01);
  });

  it('A/B with a real effect is detected, and the sample size is reported', () => {
    const r = rng(37);
    // 0.2 standard deviations better on the treatment arm.
    const runs = Array.from({ length: 200 }, () =>
      simulate((arm) => 100 + 3 * arm + 15 * r.normal(), 'mean', alpha),
    );

    const detected = runs.filter((s) => s.stoppedAt > 0);
    const medianN = detected.map((s) => s.n).sort((a, b) => a - b)[Math.floor(detected.length / 2)]!;
    const fixedHorizon = sampleSizePerArm(225, 225, 3, alpha, 0.8);

    expect(detected.length / runs.length).toBeGreaterThanOrEqual(0.9);
    expect(fixedHorizon).toBe(393);
    // A sequential test pays for optional stopping with more data than a fixed design, but not unboundedly.
    expect(medianN).toBeLessThan(5 * fixedHorizon!);
  });
});

describe('assignment', () => {
  it('a 90/10 split over 10,000 subjects lands within one percentage point', () => {
    const variants = [
      { name: 'control', traffic_pct: 90 },
      { name: 'treatment', traffic_pct: 10 },
    ];

    const counts = { control: 0, treatment: 0 };
    for (let i = 0; i < 10_000; i++)
      counts[assignVariant('test-1', `user-${i}`, variants).name as 'control']++;

    expect(Math.abs(counts.treatment / 10_000 - 0.1)).toBeLessThanOrEqual(0.01);
    expect(sampleRatioMismatch([counts.control, counts.treatment], [90, 10], 0.001).mismatch).toBe(false);
  });

  it('the same subject always gets the same variant, and tests are independent', () => {
    const variants = [
      { name: 'a', traffic_pct: 50 },
      { name: 'b', traffic_pct: 50 },
    ];

    const first = Array.from({ length: 200 }, (_, i) => assignVariant('t1', `s${i}`, variants).name);
    const again = Array.from({ length: 200 }, (_, i) => assignVariant('t1', `s${i}`, variants).name);
    const other = Array.from({ length: 200 }, (_, i) => assignVariant('t2', `s${i}`, variants).name);

    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('a deliberately skewed assignment trips the sample ratio mismatch flag', () => {
    const variants = [
      { name: 'control', traffic_pct: 90 },
      { name: 'treatment', traffic_pct: 10 },
    ];
    const counts = [0, 0];
    for (let i = 0; i < 10_000; i++) {
      const v = assignVariant('test-1', `user-${i}`, variants);
      // A broken client drops every fifth treatment response before it is recorded.
      if (v.name === 'treatment' && i % 5 === 0) continue;
      counts[v.name === 'control' ? 0 : 1]! += 1;
    }

    const srm = sampleRatioMismatch(counts, [90, 10], 0.001);

    expect(srm.mismatch).toBe(true);
  });
});
