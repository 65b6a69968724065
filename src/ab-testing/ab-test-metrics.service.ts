import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { conflict, validationFailed, type FieldError } from '../common/errors/domain-error';
import { SqlDialect } from '../database/sql-dialect';
import { PredictionRecords } from '../inference/recording/prediction-records.service';
import type { AbTestEntity } from './ab-test.entities';
import type { MetricObservationDto } from './ab-testing.dto';
import { isBuiltinMetric } from './variant-rules';

/** Business outcomes fed back by clients, by variant or by the prediction they follow. */
@Injectable()
export class AbTestMetrics {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly dialect: SqlDialect,
    private readonly predictions: PredictionRecords,
  ) {}

  async record(test: AbTestEntity, observations: MetricObservationDto[]) {
    if (test.status === 'concluded')
      throw conflict('AB_TEST_CONCLUDED', `A/B test '${test.id}' is concluded; it takes no more metrics`, {
        test_id: test.id,
      });
    const variants = await this.variantsOf(test, observations);
    let recorded = 0;
    const p = (i: number) => this.dialect.param(i);
    await this.db.transaction(async (manager) => {
      for (const [i, o] of observations.entries()) {
        const result: unknown = await manager.query(
          `INSERT INTO ab_test_metrics (test_id, variant, metric_name, value, prediction_id)
           VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${p(5)}) ON CONFLICT DO NOTHING RETURNING id`,
          [
            test.id,
            variants[i]!,
            o.metric_name,
            o.value,
            o.prediction_id ? basePredictionId(o.prediction_id) : null,
          ],
        );
        recorded += this.dialect.rows(result).length;
      }
    });
    return { recorded, duplicates: observations.length - recorded };
  }

  private async variantsOf(test: AbTestEntity, observations: MetricObservationDto[]): Promise<string[]> {
    const errors: FieldError[] = [];
    const ids = observations.filter((o) => o.prediction_id).map((o) => basePredictionId(o.prediction_id!));
    if (ids.length > 0) await this.predictions.flush();
    const found = new Map<string, string | null>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await this.db.query<
        Array<{ id: string; variant: string | null; ab_test_id: string | null }>
      >(
        `SELECT id, variant, ab_test_id FROM predictions WHERE id IN (${chunk.map((_c, j) => this.dialect.param(j + 1)).join(', ')})`,
        chunk,
      );
      rows.forEach((r) => found.set(r.id, r.ab_test_id === test.id ? r.variant : null));
    }
    const out = observations.map((o, i) => {
      const loc = ['body', 'observations', i];
      if (isBuiltinMetric(o.metric_name))
        errors.push({
          loc: [...loc, 'metric_name'],
          msg: `${o.metric_name} is measured by the platform`,
          type: 'value_error',
        });
      let variant = o.variant;
      if (o.prediction_id) {
        const v = found.get(basePredictionId(o.prediction_id));
        if (!v)
          errors.push({
            loc: [...loc, 'prediction_id'],
            msg: `no prediction of this test has id ${o.prediction_id}`,
            type: 'value_error',
          });
        else if (variant !== undefined && variant !== v)
          errors.push({
            loc: [...loc, 'variant'],
            msg: `prediction was answered by variant ${v}`,
            type: 'value_error',
          });
        variant = v ?? variant;
      }
      if (variant === undefined)
        errors.push({ loc: [...loc, 'variant'], msg: 'give variant or prediction_id', type: 'missing' });
      else if (!test.variants[variant])
        errors.push({ loc: [...loc, 'variant'], msg: `unknown variant ${variant}`, type: 'value_error' });
      return variant ?? '';
    });
    if (errors.length > 0) throw validationFailed(errors);
    return out;
  }
}

/** Batch predictions answer `<record id>:<row>`; the record holds the variant. */
const basePredictionId = (id: string) => id.split(':')[0]!;
