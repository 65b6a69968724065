import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  Allow,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  Max,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { LIST_SORTS } from './model-listing.query';
import { MODEL_STAGES } from './stage-rules';

export class ServingSpecDto {
  @ApiProperty({ enum: ['onnx', 'http'] })
  @IsIn(['onnx', 'http'])
  runtime!: 'onnx' | 'http';

  @ApiPropertyOptional({ description: 'onnx: the artifact file holding the model (default model.onnx)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  artifact?: string;

  @ApiPropertyOptional({ description: 'http: base URL of the model server (required for http)' })
  @ValidateIf((o: ServingSpecDto) => o.runtime === 'http' || o.url !== undefined)
  @IsString()
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ enum: ['oip', 'json'] })
  @IsOptional()
  @IsIn(['oip', 'json'])
  protocol?: 'oip' | 'json';

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  remote_model?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(50)
  remote_version?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsInt()
  @Min(1)
  timeout_ms?: number;
}

export class RegisterModelDto {
  @ApiProperty({ example: 'sentiment' })
  @IsString()
  name!: string;

  @ApiPropertyOptional({ example: '1.0', description: 'Omitted: the next integer version for this name.' })
  @IsOptional()
  @IsString()
  version?: string;

  @ApiProperty({ example: 'classifier' })
  @IsString()
  @MaxLength(100)
  model_type!: string;

  @ApiPropertyOptional({ default: 'custom' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  framework?: string;

  @ApiPropertyOptional({ default: '' })
  @IsOptional()
  @IsString()
  description?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  tags?: Record<string, string>;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object' } })
  @IsOptional()
  @IsObject({ each: true })
  input_features?: Array<Record<string, unknown>>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  output_schema?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'The inference service this model serves; defaults to the name.' })
  @IsOptional()
  @IsString()
  service?: string;

  @ApiPropertyOptional({ type: ServingSpecDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ServingSpecDto)
  serving?: ServingSpecDto;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'number' } })
  @IsOptional()
  @IsObject()
  metrics?: Record<string, number>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  training_job_id?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  mlflow_run_id?: string;

  /* Sent by the reference SDK client and ignored, as the reference did. */
  @Allow() created_at?: unknown;
  @Allow() updated_at?: unknown;
  @Allow() model_size_bytes?: unknown;
  @Allow() author?: unknown;
}

export class RegisterModelResponseDto {
  @ApiProperty({ example: 'sentiment_v1.0' })
  model_id!: string;
}

export class UpdateModelDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  description?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  tags?: Record<string, string>;
}

export class PromoteDto {
  @ApiProperty({ example: '1.0', description: "The model's version (checked against the model id)." })
  @IsString()
  version!: string;

  @ApiPropertyOptional({ enum: ['staging', 'production'], default: 'production' })
  @IsOptional()
  @IsIn(['staging', 'production'])
  stage?: 'staging' | 'production';

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;

  @ApiPropertyOptional({ description: 'Archive the displaced production version even if it is referenced.' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class RetireDto {
  @ApiPropertyOptional({ description: 'Archive even though something still references the version.' })
  @IsOptional()
  @IsBoolean()
  force?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class RestoreDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class SetAliasDto {
  @ApiProperty({ example: '2' })
  @IsString()
  version!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class DeleteAliasQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  reason?: string;
}

export class ListModelsQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() name?: string;

  @ApiPropertyOptional({ enum: MODEL_STAGES })
  @IsOptional()
  @IsIn(MODEL_STAGES)
  stage?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() framework?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() model_type?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() service?: string;

  @ApiPropertyOptional({ type: [String], description: 'key=value; repeat for several (all must match)' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }): unknown[] =>
    Array.isArray(value) ? (value as unknown[]) : [value],
  )
  @IsString({ each: true })
  tag?: string[];

  @ApiPropertyOptional({ description: 'Free text on name and description (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ enum: LIST_SORTS, default: '-created_at' })
  @IsOptional()
  @IsIn(LIST_SORTS)
  sort?: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset: number = 0;
}

export class HistoryQuery {
  @ApiPropertyOptional({ enum: MODEL_STAGES })
  @ValidateIf((o: HistoryQuery) => o.alias === undefined)
  @IsIn(MODEL_STAGES)
  stage?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  alias?: string;

  @ApiProperty({ example: '2025-01-01T00:00:00Z' })
  @IsISO8601({ strict: true })
  at!: string;
}

export class ServingSpecView extends ServingSpecDto {}

export class ModelResponseDto {
  @ApiProperty() model_id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() version!: string;
  @ApiProperty() model_type!: string;
  @ApiProperty() framework!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) tags!: Record<string, string>;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) input_features!: unknown[];
  @ApiProperty({ type: 'object', additionalProperties: true }) output_schema!: Record<string, unknown>;
  @ApiProperty({ enum: MODEL_STAGES }) stage!: string;
  @ApiProperty({ nullable: true, type: String }) mlflow_run_id!: string | null;
  @ApiProperty() created_at!: string;
  @ApiProperty({ nullable: true, type: String }) updated_at!: string | null;
  @ApiProperty() service!: string;
  @ApiProperty({ type: ServingSpecView, nullable: true }) serving!: ServingSpecView | null;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) metrics!: Record<string, number>;
  @ApiProperty({ nullable: true, type: String }) training_job_id!: string | null;
  @ApiProperty({ type: [String] }) aliases!: string[];
  @ApiProperty({ nullable: true, type: String }) mlflow_model_uri!: string | null;
  @ApiProperty({
    nullable: true,
    enum: ['pending', 'synced', 'failed'],
    description: 'null: MLflow sync disabled',
  })
  mlflow_sync!: string | null;
}

export class PromotionResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() model_id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() version!: string;
  @ApiProperty({ enum: ['register', 'stage', 'alias_set', 'alias_deleted'] }) action!: string;
  @ApiProperty({ nullable: true, type: String }) from_stage!: string | null;
  @ApiProperty({ nullable: true, type: String }) to_stage!: string | null;
  @ApiProperty({ nullable: true, type: String }) alias!: string | null;
  @ApiProperty({ nullable: true, type: String }) previous_model_id!: string | null;
  @ApiProperty() actor!: string;
  @ApiProperty() reason!: string;
  @ApiProperty() forced!: boolean;
  @ApiProperty({ nullable: true, type: 'array', items: { type: 'object' } }) references!: unknown[] | null;
  @ApiProperty() promoted_at!: string;
}

export class HistoryResponseDto {
  @ApiProperty() name!: string;
  @ApiProperty() at!: string;
  @ApiPropertyOptional() stage?: string;
  @ApiPropertyOptional() alias?: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The version that held it (for staging: the newest)',
  })
  model_id!: string | null;
  @ApiProperty({ nullable: true, type: String }) version!: string | null;
  @ApiProperty({ type: [String], description: 'Every version that held it (several for registered/staging)' })
  model_ids!: string[];
}

export class AliasResponseDto {
  @ApiProperty() name!: string;
  @ApiProperty() alias!: string;
  @ApiProperty() model_id!: string;
  @ApiProperty() version!: string;
  @ApiProperty() updated_by!: string;
  @ApiProperty() updated_at!: string;
}

export class ReferenceResponseDto {
  @ApiProperty() kind!: string;
  @ApiProperty() id!: string;
  @ApiProperty() description!: string;
}

export class ArtifactResponseDto {
  @ApiProperty() model_id!: string;
  @ApiProperty() path!: string;
  @ApiProperty() size_bytes!: number;
  @ApiProperty() sha256!: string;
  @ApiProperty() uploaded_by!: string;
  @ApiProperty() created_at!: string;
}
