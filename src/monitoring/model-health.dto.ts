import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

const STATUSES = ['healthy', 'degraded', 'unhealthy'];

export class HealthHistoryQueryDto {
  @ApiPropertyOptional({ default: 20, description: 'Snapshots in `history`, newest first.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class FeatureDriftDto {
  @ApiProperty({ example: 'input[0]', description: 'Path of the value in the row.' }) feature!: string;
  @ApiProperty({ enum: ['numeric', 'categorical'] }) kind!: string;
  @ApiProperty() reference_n!: number;
  @ApiProperty() current_n!: number;
  @ApiProperty({ description: 'false: too few values on one side (`ARTENIC_HEALTH__DRIFT_MIN_SAMPLES`).' })
  tested!: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'Population Stability Index.' })
  psi!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Two-sample KS statistic D (numeric).' })
  ks_statistic!: number | null;
  @ApiProperty({ nullable: true, type: Number }) ks_p_value!: number | null;
  @ApiProperty({ type: [String], description: 'Tests that flagged the feature: `psi`, `ks`.' })
  alerts!: string[];
}

export class DriftDto {
  @ApiProperty({ enum: ['evaluated', 'collecting_reference', 'no_samples'] }) state!: string;
  @ApiProperty({ nullable: true, enum: ['artifact', 'traffic'] }) reference_source!: string | null;
  @ApiProperty({ description: 'Rows in the reference (collected so far while collecting).' })
  reference_size!: number;
  @ApiProperty({ description: 'Sampled rows of the window compared with it.' }) current_size!: number;
  @ApiProperty({ nullable: true, type: Number }) max_psi!: number | null;
  @ApiProperty({ nullable: true, type: Number }) min_ks_p_value!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'KS significance per feature (Bonferroni).' })
  ks_alpha_per_test!: number | null;
  @ApiProperty({ type: [FeatureDriftDto] }) inputs!: FeatureDriftDto[];
  @ApiProperty({ type: [FeatureDriftDto], description: 'Drift of the predictions (outputs).' })
  outputs!: FeatureDriftDto[];
}

export class HealthSnapshotDto {
  @ApiProperty() id!: number;
  @ApiProperty() model_id!: string;
  @ApiProperty({ example: 'health_snapshot' }) metric_name!: string;
  @ApiProperty({ description: 'The error rate (as in the original).' }) metric_value!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Largest PSI over the tested features.' })
  drift_score!: number | null;
  @ApiProperty() alert_triggered!: boolean;
  @ApiProperty({ description: 'Predictions (rows) in the window.' }) sample_count!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) window_start!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) window_end!: string | null;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty({
    type: [String],
    description:
      'Thresholds crossed: `error_rate`, `latency_p99`, `input_drift:<feature>`, `prediction_drift:<feature>`.',
  })
  alerts!: string[];
  @ApiProperty({ description: 'Model calls in the window (a batch is one call).' }) calls!: number;
  @ApiProperty({ description: 'Predictions per second over the window.' }) request_rate!: number;
  @ApiProperty() error_rate!: number;
  @ApiProperty({ nullable: true, type: Number }) latency_p50_ms!: number | null;
  @ApiProperty({ nullable: true, type: Number }) latency_p95_ms!: number | null;
  @ApiProperty({ nullable: true, type: Number }) latency_p99_ms!: number | null;
  @ApiProperty({ nullable: true, type: DriftDto }) drift!: DriftDto | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class ModelHealthDto {
  @ApiProperty() model_id!: string;
  @ApiProperty({ enum: STATUSES, description: 'As of the last check (healthy before the first one).' })
  status!: string;
  @ApiProperty({ type: [String] }) alerts!: string[];
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) evaluated_at!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'Latest promotion seen.' })
  promoted_at!: string | null;
  @ApiProperty({ nullable: true, enum: ['artifact', 'traffic'], description: 'null: not frozen yet.' })
  reference_source!: string | null;
  @ApiProperty({ nullable: true, type: HealthSnapshotDto }) latest!: HealthSnapshotDto | null;
  @ApiProperty({ type: [HealthSnapshotDto] }) history!: HealthSnapshotDto[];
}
