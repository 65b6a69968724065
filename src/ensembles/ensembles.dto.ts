import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { STRATEGIES } from './combiners';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const ENSEMBLE_STAGES = ['registered', 'production', 'archived'] as const;

export class CreateEnsembleRequestDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(100) @Matches(NAME) name!: string;
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(100) @Matches(NAME) service!: string;
  @ApiProperty({ enum: STRATEGIES }) @IsIn(STRATEGIES) strategy!: string;
  @ApiProperty({
    type: [String],
    description: 'Member versions (`name_vN` or `name@alias`, pinned at creation).',
  })
  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  model_ids!: string[];
  @ApiPropertyOptional({ default: '' }) @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'weights (weighted_mean), label_output, score_output, combiner_model_id (stacking).',
  })
  @IsOptional()
  @IsObject()
  strategy_config?: Record<string, unknown> | null;
  @ApiPropertyOptional({ description: 'Per-member deadline (default ARTENIC_ENSEMBLE__DEFAULT_TIMEOUT_MS).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(600_000)
  timeout_ms?: number;
  @ApiPropertyOptional({ description: 'Members that must answer (k of n; default n).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  quorum?: number;
}

export class UpdateEnsembleRequestDto {
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(NAME)
  name?: string | null;
  @ApiPropertyOptional({ type: [String], nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsString({ each: true })
  model_ids?: string[] | null;
  @ApiPropertyOptional({ enum: STRATEGIES, nullable: true }) @IsOptional() @IsIn(STRATEGIES) strategy?:
    string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, nullable: true })
  @IsOptional()
  @IsObject()
  strategy_config?: Record<string, unknown> | null;
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;
  @ApiPropertyOptional({ default: '' }) @IsOptional() @IsString() @MaxLength(2000) change_reason?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(600_000) timeout_ms?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) quorum?: number;
  @ApiPropertyOptional({ enum: ENSEMBLE_STAGES, description: '`production` makes it answer its service.' })
  @IsOptional()
  @IsIn(ENSEMBLE_STAGES)
  stage?: string;
}

export class ListEnsemblesQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() service?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() stage?: string;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit =
    50;
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset = 0;
}

export class VersionsQueryDto {
  @ApiPropertyOptional({ default: 20 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit =
    20;
}

export class EnsemblePredictRequestDto {
  @ApiProperty({ type: 'object', additionalProperties: true }) @IsObject() data!: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'A past version to call (default: the current one).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}

export class DispatchTrainingRequestDto {
  @ApiProperty({ example: 'mock', description: 'The training provider every member job runs on.' })
  @IsString()
  @MinLength(1)
  @MaxLength(50)
  provider!: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description: 'Provider options of every member job (as `config` of POST /api/v1/training/dispatch).',
  })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown> | null;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: true },
    nullable: true,
    description: 'Per-member options merged over `config`, keyed by member model id (e.g. hyperparameters).',
  })
  @IsOptional()
  @IsObject()
  member_config?: Record<string, Record<string, unknown>> | null;
}

export class EnsembleView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty() service!: string;
  @ApiProperty({ enum: STRATEGIES }) strategy!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) strategy_config!: Record<string, unknown>;
  @ApiProperty({ type: [String] }) model_ids!: string[];
  @ApiProperty() timeout_ms!: number;
  @ApiProperty() quorum!: number;
  @ApiProperty({ enum: ENSEMBLE_STAGES }) stage!: string;
  @ApiProperty() version!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() created_at!: string;
  @ApiProperty({ type: String, nullable: true }) updated_at!: string | null;
}

export class CreateEnsembleResponseDto extends EnsembleView {
  @ApiProperty() ensemble_id!: string;
}

export class EnsembleVersionView {
  @ApiProperty() id!: string;
  @ApiProperty() ensemble_id!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ type: [String] }) model_ids!: string[];
  @ApiProperty() strategy!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) strategy_config!: Record<string, unknown>;
  @ApiProperty() timeout_ms!: number;
  @ApiProperty() quorum!: number;
  @ApiProperty() change_reason!: string;
  @ApiProperty() created_at!: string;
}

export class EnsembleJobView {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'Same as id (the reference answered `{"job_id": …}`).' }) job_id!: string;
  @ApiProperty() ensemble_id!: string;
  @ApiProperty() ensemble_version!: number;
  @ApiProperty() provider!: string;
  @ApiProperty({
    enum: ['pending', 'running', 'completed', 'failed', 'partial'],
    description: 'From the member jobs: partial = all finished, some completed and some failed or cancelled.',
  })
  status!: string;
  @ApiProperty({ type: [String], description: 'One training job per member, in member order.' })
  training_job_ids!: string[];
  @ApiProperty({ type: [String] }) model_ids!: string[];
  @ApiProperty() total_models!: number;
  @ApiProperty() completed_models!: number;
  @ApiProperty() failed_models!: number;
  @ApiProperty({ description: 'Actual cost of the member jobs so far, in EUR where convertible.' })
  total_cost_eur!: number;
  @ApiProperty() created_at!: string;
  @ApiProperty({ type: String, nullable: true }) completed_at!: string | null;
}
