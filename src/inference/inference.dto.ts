import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';

/** The documented shape of the predict body; validated by PredictBodyPipe (see predict-body.pipe.ts). */
export class PredictRequestDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Inputs keyed by the model input name (nested arrays of its per-row shape), or by feature name.',
    example: { input: [0.5, 1.0, -0.2, 0.3] },
  })
  data!: Record<string, unknown>;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: 255,
    description: 'Pin a version (`name_vN` or `name@alias`); wins over A/B routing.',
  })
  model_id?: string | null;

  @ApiPropertyOptional({
    maxLength: 255,
    description: 'Stable end-user id for routing (else X-Artenic-Subject, else request id).',
  })
  subject?: string;
}

/** The documented shape of the predict_batch body; validated by PredictBatchBodyPipe. */
export class PredictBatchRequestDto {
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  batch!: Array<Record<string, unknown>>;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 255 })
  model_id?: string | null;

  @ApiPropertyOptional({ maxLength: 255 })
  subject?: string;
}

export class EnsembleMemberView {
  @ApiProperty() model_id!: string;
  @ApiProperty({ enum: ['ok', 'timeout', 'error'] }) status!: string;
  @ApiProperty() latency_ms!: number;
  @ApiPropertyOptional() error?: string;
}

export class PredictResponseDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Outputs keyed by output name.' })
  prediction!: Record<string, unknown>;
  @ApiProperty({ description: 'The model version (or ensemble) that answered.' }) model_id!: string;
  @ApiProperty() model_version!: string;
  @ApiProperty() service!: string;
  @ApiProperty({ example: '2025-11-27T08:00:00.000Z' }) timestamp!: string;
  @ApiProperty({ description: 'Time spent running the model call (the whole batch for predict_batch).' })
  latency_ms!: number;
  @ApiProperty({ description: 'The prediction record id; row i of a batch is `<record id>:<i>`.' })
  prediction_id!: string;
  @ApiPropertyOptional({ description: 'The A/B arm, when routing chose one.' }) variant?: string;
  @ApiPropertyOptional() ab_test_id?: string;
  @ApiPropertyOptional() ensemble_id?: string;
  @ApiPropertyOptional() ensemble_version?: number;
  @ApiPropertyOptional({ type: [EnsembleMemberView] }) members?: EnsembleMemberView[];
}

const OIP_TYPES = ['BOOL', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'FP16', 'FP32', 'FP64', 'BYTES'];

export class OipTensorDto {
  @ApiProperty() @IsString() @MaxLength(255) name!: string;
  @ApiProperty({ type: [Number] }) @IsArray() @IsInt({ each: true }) @ArrayMaxSize(16) shape!: number[];
  @ApiProperty({ enum: OIP_TYPES }) @IsIn(OIP_TYPES) datatype!: string;
  @ApiProperty({ type: 'array', items: {} }) @IsArray() data!: unknown[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown>;
}

export class OipRequestedOutputDto {
  @ApiProperty() @IsString() name!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown>;
}

export class OipInferRequestDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(255) id?: string;
  @ApiProperty({ type: [OipTensorDto] })
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OipTensorDto)
  inputs!: OipTensorDto[];
  @ApiPropertyOptional({ type: [OipRequestedOutputDto] })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => OipRequestedOutputDto)
  outputs?: OipRequestedOutputDto[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  parameters?: Record<string, unknown>;
}

export class OipTensorView {
  @ApiProperty() name!: string;
  @ApiProperty({ type: [Number] }) shape!: number[];
  @ApiProperty() datatype!: string;
  @ApiProperty({ type: 'array', items: {} }) data!: unknown[];
}

export class OipInferResponseDto {
  @ApiProperty() model_name!: string;
  @ApiProperty() model_version!: string;
  @ApiPropertyOptional() id?: string;
  @ApiProperty({ type: [OipTensorView] }) outputs!: OipTensorView[];
}

export class OipTensorMetadataView {
  @ApiProperty() name!: string;
  @ApiProperty() datatype!: string;
  @ApiProperty({ type: [Number] }) shape!: number[];
}

export class OipModelMetadataDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String] }) versions!: string[];
  @ApiProperty() platform!: string;
  @ApiProperty({ type: [OipTensorMetadataView] }) inputs!: OipTensorMetadataView[];
  @ApiProperty({ type: [OipTensorMetadataView] }) outputs!: OipTensorMetadataView[];
}
