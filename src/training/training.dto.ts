import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { JOB_STATUSES } from './job-state-machine';

/** GPUs a job needs. */
export class GpuRequestDto {
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    example: 'A100',
    description:
      'GPU model; matched word by word against the catalogue\'s GPU names (A100 matches "A100 80GB", not "A10"). Null: any.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string | null;
  @ApiProperty({ example: 1, minimum: 1, maximum: 64 }) @IsInt() @Min(1) @Max(64) count!: number;
}

/** The reference's DispatchRequest, plus our optional fields (GPUs, project, spot fallback). */
export class DispatchRequestDto {
  @ApiProperty() @IsString() @MaxLength(255) service!: string;
  @ApiProperty() @IsString() @MaxLength(255) model!: string;
  @ApiProperty({ example: 'mock' }) @IsString() @MaxLength(50) provider!: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Provider options. local: command (argv) or entry_point, cwd, env, hyperparameters. mock: mock = {duration_seconds, fail_at_seconds, preempt_at_seconds, preempt_attempts, provision_seconds, metrics, files}.',
  })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;
  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  instance_type?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() @MaxLength(100) region?:
    string | null;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() is_spot?: boolean;
  @ApiPropertyOptional({
    type: GpuRequestDto,
    description:
      'GPUs the job needs, passed to the provider. Without instance_type, the cheapest catalogued instance type offering them is chosen; with one, it must offer them.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => GpuRequestDto)
  gpu?: GpuRequestDto;
  @ApiPropertyOptional({
    default: 24,
    description: 'Hard limit; also the duration predicted without history.',
  })
  @IsOptional()
  @IsNumber()
  @Min(0.0003)
  @Max(24 * 30)
  max_runtime_hours?: number;
  @ApiPropertyOptional({ nullable: true, type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  workload_spec?: Record<string, unknown> | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Cost attribution (budgets).' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  project?: string | null;
  @ApiPropertyOptional({
    description:
      'After the last spot retry, run on on-demand capacity (default from ARTENIC_SPOT__FALLBACK_TO_ON_DEMAND).',
  })
  @IsOptional()
  @IsBoolean()
  fallback_to_on_demand?: boolean;
}

export class PredictionDto {
  @ApiProperty() duration_p50_seconds!: number;
  @ApiProperty() duration_p90_seconds!: number;
  @ApiProperty({ description: 'history (past outcomes of similar jobs) or max_runtime.' }) basis!: string;
  @ApiProperty() samples!: number;
  @ApiProperty() price_per_hour_micros!: number;
  @ApiProperty() currency!: string;
  @ApiProperty() price_known!: boolean;
  @ApiProperty() price_stale!: boolean;
  @ApiProperty() cost_p50_micros!: number;
  @ApiProperty() cost_p90_micros!: number;
}

export class DispatchResponseDto {
  @ApiProperty({ example: '0b9c…' }) job_id!: string;
  @ApiProperty({ enum: JOB_STATUSES }) status!: string;
  @ApiProperty() provider!: string;
  @ApiProperty({ nullable: true, type: String }) provider_job_id!: string | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Predicted p90 cost in the reference unit (EUR when convertible).',
  })
  cost_estimate_eur!: number | null;
  @ApiProperty({ nullable: true, type: Number }) cost_per_hour_eur!: number | null;
  @ApiProperty({ type: PredictionDto }) prediction!: PredictionDto;
  @ApiProperty() created_at!: string;
}

export class AttemptDto {
  @ApiProperty() attempt!: number;
  @ApiProperty() provider!: string;
  @ApiProperty({ nullable: true, type: String }) region!: string | null;
  @ApiProperty({ nullable: true, type: String }) instance_type!: string | null;
  @ApiProperty() spot!: boolean;
  @ApiProperty() status!: string;
  @ApiProperty({ nullable: true, type: String }) provider_job_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) resume_from!: string | null;
  @ApiProperty({ nullable: true, type: String }) checkpoint_uri!: string | null;
  @ApiProperty() price_per_hour_micros!: number;
  @ApiProperty() cost_micros!: number;
  @ApiProperty() currency!: string;
  @ApiProperty({ nullable: true, type: String }) end_reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) started_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) ended_at!: string | null;
}

/** The reference's job dict (id, service … completed_at) plus ours. */
export class TrainingJobDto {
  @ApiProperty() id!: string;
  @ApiProperty() job_id!: string;
  @ApiProperty() service!: string;
  @ApiProperty() model!: string;
  @ApiProperty() provider!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) config!: Record<string, unknown>;
  @ApiProperty({ enum: JOB_STATUSES }) status!: string;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: { type: 'number' } }) metrics!: Record<
    string,
    number
  > | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
  @ApiProperty({ nullable: true, type: String }) provider_job_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) instance_type!: string | null;
  @ApiProperty({ nullable: true, type: String }) region!: string | null;
  @ApiProperty() is_spot!: boolean;
  @ApiProperty({ type: GpuRequestDto, description: 'Requested GPUs (count 0: none).' }) gpu!: {
    type: string | null;
    count: number;
  };
  @ApiProperty({ nullable: true, type: Number }) cost_estimate_eur!: number | null;
  @ApiProperty({ nullable: true, type: Number }) cost_actual_eur!: number | null;
  @ApiProperty({ nullable: true, type: Number }) cost_per_hour_eur!: number | null;
  @ApiProperty({ nullable: true, type: Number }) duration_seconds!: number | null;
  @ApiProperty({ nullable: true, type: String }) artifacts_uri!: string | null;
  @ApiProperty() created_at!: string;
  @ApiProperty({ nullable: true, type: String }) started_at!: string | null;
  @ApiProperty({ nullable: true, type: String }) completed_at!: string | null;
  @ApiProperty() attempt!: number;
  @ApiProperty() preemption_count!: number;
  @ApiProperty() failure_count!: number;
  @ApiProperty({ nullable: true, type: Number }) progress!: number | null;
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'Total so far over every attempt, including the running one.' })
  cost_micros!: number;
  @ApiProperty({ nullable: true, type: Number }) cost_per_hour_micros!: number | null;
  @ApiProperty({ nullable: true, type: Number }) predicted_duration_p50_seconds!: number | null;
  @ApiProperty({ nullable: true, type: Number }) predicted_duration_p90_seconds!: number | null;
  @ApiProperty({ nullable: true, type: Number }) predicted_cost_p50_micros!: number | null;
  @ApiProperty({ nullable: true, type: Number }) predicted_cost_p90_micros!: number | null;
  @ApiProperty() max_runtime_hours!: number;
  @ApiProperty() requested_spot!: boolean;
  @ApiProperty() fallback_to_on_demand!: boolean;
  @ApiProperty({ nullable: true, type: String }) checkpoint_uri!: string | null;
  @ApiProperty({ nullable: true, type: String }) model_version_id!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why the produced model could not be registered.',
  })
  registration_error!: string | null;
  @ApiProperty({ nullable: true, type: String }) project!: string | null;
  @ApiProperty() created_by!: string;
  @ApiPropertyOptional({ type: [AttemptDto] }) attempts?: AttemptDto[];
}

export class ListJobsQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() service?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() provider?: string;
  @ApiPropertyOptional({ enum: JOB_STATUSES }) @IsOptional() @IsString() status?: string;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class LogsQueryDto {
  @ApiPropertyOptional({ default: 200, minimum: 1, maximum: 10000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10000)
  tail?: number;
  @ApiPropertyOptional({
    default: false,
    description: 'Keep the response open and stream new lines until the job ends.',
  })
  @IsOptional()
  @IsIn(['true', 'false', '1', '0'])
  follow?: string;
}
