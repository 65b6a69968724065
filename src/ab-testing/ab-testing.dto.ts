import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

export const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
export const AB_STATUSES = ['running', 'paused', 'concluded'] as const;

export class GuardrailDto {
  @ApiProperty({ description: '`latency`, `error_rate` or a business metric name.' })
  @IsString()
  @Matches(METRIC_NAME)
  metric!: string;
  @ApiProperty({ description: 'Largest tolerated degradation against the control, in % of its value.' })
  @IsNumber()
  @Min(0)
  @Max(10_000)
  max_degradation_pct!: number;
}

export class CreateTestRequestDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(255) name!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(255) service!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Variant name → `{model_id | ensemble_id (+ ensemble_version), traffic_pct}`; at least two, shares summing to 100.',
  })
  @IsObject()
  variants!: Record<string, unknown>;
  @ApiProperty({
    description: '`latency`, `error_rate` or the name of a business metric reported by clients.',
  })
  @IsString()
  @Matches(METRIC_NAME)
  primary_metric!: string;
  @ApiPropertyOptional({ description: 'Per-variant minimum before any decision (default: settings).' })
  @IsOptional()
  @IsInt()
  @Min(2)
  @Max(1_000_000_000)
  min_samples?: number;
  @ApiPropertyOptional({ description: 'The baseline variant (default: the first one).' })
  @IsOptional()
  @IsString()
  control?: string;
  @ApiPropertyOptional({
    enum: ['increase', 'decrease'],
    description: 'Which way is better (default: decrease for latency and error_rate, increase otherwise).',
  })
  @IsOptional()
  @IsIn(['increase', 'decrease'])
  metric_direction?: 'increase' | 'decrease';
  @ApiPropertyOptional({ type: [GuardrailDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => GuardrailDto)
  guardrails?: GuardrailDto[];
  @ApiPropertyOptional({ default: 0.05 })
  @IsOptional()
  @IsNumber()
  @Min(0.0001)
  @Max(0.5)
  significance_level?: number;
  @ApiPropertyOptional({
    default: 0.1,
    description:
      'Standardized effect the sequential test is tuned for (mixture scale, in standard deviations).',
  })
  @IsOptional()
  @IsNumber()
  @Min(0.001)
  @Max(10)
  expected_effect_size?: number;
  @ApiPropertyOptional({ default: false, description: 'Conclude automatically once the test is decisive.' })
  @IsOptional()
  @IsBoolean()
  auto_conclude?: boolean;
  @ApiPropertyOptional({ default: false, description: 'Promote the winner of an automatic conclusion.' })
  @IsOptional()
  @IsBoolean()
  auto_promote?: boolean;
  @ApiPropertyOptional({ description: 'Promote to this alias instead of the production stage.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  promote_alias?: string;
}

export class ConcludeTestRequestDto {
  @ApiPropertyOptional({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) winner?: string | null;
  @ApiPropertyOptional({ default: '' }) @IsOptional() @IsString() @MaxLength(2000) reason?: string;
  @ApiPropertyOptional({ default: false, description: 'Move the winner to production (or `alias`).' })
  @IsOptional()
  @IsBoolean()
  promote?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) alias?: string;
}

export class MetricObservationDto {
  @ApiPropertyOptional({ description: 'The variant (or give prediction_id).' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  variant?: string;
  @ApiPropertyOptional({ description: 'The prediction the outcome follows (its variant is looked up).' })
  @IsOptional()
  @IsString()
  @MaxLength(80)
  prediction_id?: string;
  @ApiProperty() @IsString() @Matches(METRIC_NAME) metric_name!: string;
  @ApiProperty() @IsNumber({ allowNaN: false, allowInfinity: false }) value!: number;
}

export class RecordMetricsRequestDto {
  @ApiProperty({ type: [MetricObservationDto] })
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => MetricObservationDto)
  observations!: MetricObservationDto[];
}

export class ListTestsQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() service?: string;
  @ApiPropertyOptional({ enum: AB_STATUSES }) @IsOptional() @IsIn(AB_STATUSES) status?: string;
  @ApiPropertyOptional({ default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
}

export class CreateTestResponseDto {
  @ApiProperty() test_id!: string;
}

export class RecordMetricsResponseDto {
  @ApiProperty() recorded!: number;
  @ApiProperty({ description: 'Observations already recorded for the same prediction and metric.' })
  duplicates!: number;
}

export class TestDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() service!: string;
  @ApiProperty({ enum: AB_STATUSES }) status!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) variants!: Record<string, unknown>;
  @ApiProperty() control!: string;
  @ApiProperty() primary_metric!: string;
  @ApiProperty() metric_direction!: string;
  @ApiProperty({ type: [GuardrailDto] }) guardrails!: GuardrailDto[];
  @ApiProperty() significance_level!: number;
  @ApiProperty() min_samples!: number;
  @ApiProperty() expected_effect_size!: number;
  @ApiProperty() auto_conclude!: boolean;
  @ApiProperty() auto_promote!: boolean;
  @ApiProperty({ nullable: true, type: String }) promote_alias!: string | null;
  @ApiProperty({ nullable: true, type: String }) winner!: string | null;
  @ApiProperty() conclusion_reason!: string;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) promotion!: Record<
    string,
    unknown
  > | null;
  @ApiProperty() created_at!: string;
  @ApiProperty({ nullable: true, type: String }) concluded_at!: string | null;
}

export class TestResultsDto {
  @ApiProperty() test_id!: string;
  @ApiProperty() status!: string;
  @ApiProperty() primary_metric!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Per variant: n, mean, sd, CI, error rate, latency.',
  })
  variants!: Record<string, unknown>;
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description: 'Each treatment against the control (mSPRT).',
  })
  comparisons!: unknown[];
  @ApiProperty({ type: 'object', additionalProperties: true }) srm!: Record<string, unknown>;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) guardrail_violations!: unknown[];
  @ApiProperty({ nullable: true, type: String }) recommended_winner!: string | null;
  @ApiProperty() decisive!: boolean;
}
