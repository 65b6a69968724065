import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { SqlDialect } from '../database/sql-dialect';
import { PredictionRecords } from '../inference/recording/prediction-records.service';
import type { AbTestEntity } from './ab-test.entities';
import type { TestResultsDto } from './ab-testing.dto';
import {
  mixtureVariance,
  msprt,
  sampleRatioMismatch,
  sampleSizePerArm,
  summarizeArm,
  variance,
  type ArmMoments,
  type MetricKind,
} from './statistics/ab-statistics';

interface VariantTraffic {
  calls: number;
  latency: ArmMoments;
  errors: ArmMoments;
}

const EMPTY: ArmMoments = { n: 0, sum: 0, sum_sq: 0 };

/**
 * `results`: per-variant aggregates computed in SQL (count, sum, sum of squares), then the statistics:
 * intervals, the mSPRT comparison of each treatment with the control (valid at every look), the sample
 * ratio mismatch check on the assignment counts, and guardrail violations.
 */
@Injectable()
export class AbTestResults {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly dialect: SqlDialect,
    private readonly predictions: PredictionRecords,
  ) {}

  async compute(test: AbTestEntity): Promise<TestResultsDto> {
    await this.predictions.flush();
    const traffic = await this.traffic(test.id);
    const names = Object.keys(test.variants);
    const metricNames = [test.primary_metric, ...test.guardrails.map((g) => g.metric)];
    const business = await this.businessMoments(
      test.id,
      metricNames.filter((m) => !builtin(m)),
    );
    const momentsOf = (metric: string, variant: string): ArmMoments => {
      if (metric === 'latency') return traffic.get(variant)?.latency ?? EMPTY;
      if (metric === 'error_rate') return traffic.get(variant)?.errors ?? EMPTY;
      return business.get(`${metric}\u0000${variant}`) ?? EMPTY;
    };
    const alpha = test.significance_level;
    const primaryKind = kindOf(test.primary_metric);
    const variants = Object.fromEntries(
      names.map((v) => [
        v,
        {
          ...test.variants[v],
          assigned: traffic.get(v)?.calls ?? 0,
          [test.primary_metric]: summarizeArm(momentsOf(test.primary_metric, v), primaryKind, alpha),
          error_rate: summarizeArm(momentsOf('error_rate', v), 'proportion', alpha),
          latency: summarizeArm(momentsOf('latency', v), 'mean', alpha),
        },
      ]),
    );
    const comparisons = names
      .filter((v) => v !== test.control)
      .map((v) =>
        this.compare(
          test,
          v,
          momentsOf(test.primary_metric, test.control),
          momentsOf(test.primary_metric, v),
        ),
      );
    const srm = sampleRatioMismatch(
      names.map((v) => traffic.get(v)?.calls ?? 0),
      names.map((v) => test.variants[v]!.traffic_pct),
      this.config.ab_test.srm_alpha,
    );
    const violations = this.guardrailViolations(test, names, momentsOf);
    const winner = decide(test, comparisons, srm.mismatch, violations.length);
    return {
      test_id: test.id,
      status: test.status,
      primary_metric: test.primary_metric,
      variants,
      comparisons,
      srm: { ...srm, threshold: this.config.ab_test.srm_alpha, variants: names },
      guardrail_violations: violations,
      recommended_winner: winner,
      decisive: winner !== null,
    };
  }

  private compare(test: AbTestEntity, variant: string, control: ArmMoments, treatment: ArmMoments) {
    const kind = kindOf(test.primary_metric);
    const alpha = test.significance_level;
    const r = msprt(
      control,
      treatment,
      kind,
      alpha,
      mixtureVariance(control, treatment, kind, test.expected_effect_size),
    );
    const enough = control.n >= test.min_samples && treatment.n >= test.min_samples;
    const better = test.metric_direction === 'increase' ? r.difference > 0 : r.difference < 0;
    // Size needed to see the effect observed so far (or the tuned effect while there is none).
    const pooledSd = Math.sqrt((variance(control, kind) + variance(treatment, kind)) / 2);
    const effect = r.difference !== 0 ? Math.abs(r.difference) : test.expected_effect_size * pooledSd;
    return {
      variant,
      control: test.control,
      metric: test.primary_metric,
      ...r,
      ci_low: finite(r.ci_low),
      ci_high: finite(r.ci_high),
      significant: r.significant && enough,
      better: r.significant && enough ? better : null,
      min_samples_reached: enough,
      sample_size_per_variant: sampleSizePerArm(
        variance(control, kind),
        variance(treatment, kind),
        effect,
        alpha,
        0.8,
      ),
      method: 'mSPRT (normal mixture), always valid under continuous monitoring',
    };
  }

  private guardrailViolations(
    test: AbTestEntity,
    names: string[],
    momentsOf: (m: string, v: string) => ArmMoments,
  ) {
    const out: Array<Record<string, unknown>> = [];
    for (const g of test.guardrails) {
      const c = momentsOf(g.metric, test.control);
      if (c.n < test.min_samples) continue;
      const base = c.sum / c.n;
      const higherIsWorse = builtin(g.metric);
      for (const v of names.filter((n) => n !== test.control)) {
        const m = momentsOf(g.metric, v);
        if (m.n < test.min_samples) continue;
        const value = m.sum / m.n;
        const degradation = higherIsWorse ? value - base : base - value;
        const pct = base !== 0 ? (100 * degradation) / Math.abs(base) : degradation > 0 ? Infinity : 0;
        if (pct > g.max_degradation_pct)
          out.push({
            variant: v,
            metric: g.metric,
            control_value: base,
            value,
            degradation_pct: finite(pct),
            limit_pct: g.max_degradation_pct,
          });
      }
    }
    return out;
  }

  private async traffic(testId: string): Promise<Map<string, VariantTraffic>> {
    const rows = await this.db.query<Array<Record<string, unknown>>>(
      `SELECT variant, COUNT(*) AS calls,
              SUM(CASE WHEN error_code IS NULL THEN 1 ELSE 0 END) AS ok,
              SUM(CASE WHEN error_code IS NULL THEN latency_ms ELSE 0 END) AS lat_sum,
              SUM(CASE WHEN error_code IS NULL THEN latency_ms * latency_ms ELSE 0 END) AS lat_sq,
              SUM(CASE WHEN error_code IS NULL THEN 0 ELSE 1 END) AS errors
         FROM predictions WHERE ab_test_id = ${this.dialect.param(1)} GROUP BY variant`,
      [testId],
    );
    return new Map(
      rows.map((r) => {
        const calls = Number(r.calls);
        const errors = Number(r.errors);
        return [
          String(r.variant),
          {
            calls,
            latency: { n: Number(r.ok), sum: Number(r.lat_sum ?? 0), sum_sq: Number(r.lat_sq ?? 0) },
            errors: { n: calls, sum: errors, sum_sq: errors },
          },
        ];
      }),
    );
  }

  private async businessMoments(testId: string, metrics: string[]): Promise<Map<string, ArmMoments>> {
    if (metrics.length === 0) return new Map();
    const p = (i: number) => this.dialect.param(i);
    const rows = await this.db.query<Array<Record<string, unknown>>>(
      `SELECT metric_name, variant, COUNT(*) AS n, SUM(value) AS s, SUM(value * value) AS sq
         FROM ab_test_metrics WHERE test_id = ${p(1)} AND metric_name IN (${metrics.map((_m, i) => p(i + 2)).join(', ')})
        GROUP BY metric_name, variant`,
      [testId, ...metrics],
    );
    return new Map(
      rows.map((r) => [
        `${String(r.metric_name)}\u0000${String(r.variant)}`,
        { n: Number(r.n), sum: Number(r.s), sum_sq: Number(r.sq) },
      ]),
    );
  }
}

const builtin = (m: string) => m === 'latency' || m === 'error_rate';
const kindOf = (m: string): MetricKind => (m === 'error_rate' ? 'proportion' : 'mean');
const finite = (x: number) => (Number.isFinite(x) ? x : null);

/** The winner when the data is decisive: a treatment significantly better (best first), or the control. */
function decide(
  test: AbTestEntity,
  comparisons: Array<{ variant: string; significant: boolean; better: boolean | null; difference: number }>,
  srmMismatch: boolean,
  violations: number,
): string | null {
  if (srmMismatch || comparisons.length === 0) return null;
  const sign = test.metric_direction === 'increase' ? 1 : -1;
  const winners = comparisons
    .filter((c) => c.significant && c.better)
    .sort((a, b) => sign * (b.difference - a.difference));
  if (winners.length > 0) return violations === 0 ? winners[0]!.variant : null;
  // Every treatment significantly worse: the control wins.
  if (comparisons.every((c) => c.significant && c.better === false)) return test.control;
  return null;
}
