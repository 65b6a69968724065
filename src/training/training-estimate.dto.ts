import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { GpuRequestDto, PredictionDto } from './training.dto';

const CURRENCY = /^[A-Z]{3}$/;

export class EstimateCandidateDto {
  @ApiProperty() @IsString() @MaxLength(50) provider!: string;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Omitted: every catalogued instance type of the provider.',
  })
  @IsOptional()
  @IsString()
  instance_type?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) @IsOptional() @IsString() region?: string | null;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() is_spot?: boolean;
}

/** An amount of money per hour in a currency (compared after conversion). */
export class HourlyPriceLimitDto {
  @ApiProperty({ example: 2.5, description: 'Currency units per hour (not micros).' })
  @IsNumber()
  @IsPositive()
  amount!: number;
  @ApiProperty({ example: 'EUR' })
  @Matches(CURRENCY, { message: 'currency must be an ISO 4217 code' })
  currency!: string;
}

/** The reference's estimate inputs plus the constraints of a GPU request. */
export class EstimateRequestDto {
  @ApiProperty() @IsString() @MaxLength(255) service!: string;
  @ApiProperty() @IsString() @MaxLength(255) model!: string;
  @ApiPropertyOptional({ default: 24, description: 'Also the duration predicted without history.' })
  @IsOptional()
  @IsNumber()
  @Min(0.0003)
  @Max(24 * 30)
  max_runtime_hours?: number;
  @ApiPropertyOptional({
    type: GpuRequestDto,
    description: 'Only instance types offering these GPUs are candidates.',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => GpuRequestDto)
  gpu?: GpuRequestDto;
  @ApiPropertyOptional({
    type: [String],
    description:
      'Acceptable regions. A price without a region counts in each requested region the provider serves.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  regions?: string[];
  @ApiPropertyOptional({ default: true, description: 'false: spot candidates are listed but never chosen.' })
  @IsOptional()
  @IsBoolean()
  spot_allowed?: boolean;
  @ApiPropertyOptional({ type: HourlyPriceLimitDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => HourlyPriceLimitDto)
  max_price_per_hour?: HourlyPriceLimitDto;
  @ApiPropertyOptional({ type: [String], description: 'Only these providers (each must be enabled).' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(50, { each: true })
  providers?: string[];
  @ApiPropertyOptional({
    example: 'EUR',
    description: 'Currency costs are compared in (default: the base of ARTENIC_FX__RATES, else EUR).',
  })
  @IsOptional()
  @Matches(CURRENCY, { message: 'currency must be an ISO 4217 code' })
  currency?: string;
  @ApiPropertyOptional({
    type: [EstimateCandidateDto],
    description:
      'Placements to price instead of the catalogue (the constraints still apply). Omitted: every catalogued instance type of every enabled provider, on-demand and spot.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => EstimateCandidateDto)
  candidates?: EstimateCandidateDto[];
}

/** A catalogue price as the provider reported it. */
export class EstimatePriceDto {
  @ApiProperty({ description: 'Micros of `currency` per hour.' }) per_hour_micros!: number;
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'When the provider’s price source was read.' }) fetched_at!: string;
  @ApiProperty({ description: 'The last refresh failed; this is an older price.' }) stale!: boolean;
  @ApiProperty() source!: string;
}

/** Price and cost in the request's currency, through the configured rate table. */
export class ConvertedCostDto {
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'Units of `currency` per unit of the price’s currency.' }) rate!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Date of ARTENIC_FX__RATES (null: same currency).',
  })
  rates_date!: string | null;
  @ApiProperty() price_per_hour_micros!: number;
  @ApiProperty() cost_p50_micros!: number;
  @ApiProperty() cost_p90_micros!: number;
}

/** One priced placement; the flat price/cost fields are in the provider's own currency. */
export class EstimateDto extends PredictionDto {
  @ApiProperty() provider!: string;
  @ApiProperty({ nullable: true, type: String }) instance_type!: string | null;
  @ApiProperty({ nullable: true, type: String }) region!: string | null;
  @ApiProperty() is_spot!: boolean;
  @ApiProperty({ nullable: true, type: String }) gpu_type!: string | null;
  @ApiProperty() gpu_count!: number;
  @ApiProperty({ nullable: true, type: EstimatePriceDto, description: 'Null: not in the catalogue.' })
  price!: EstimatePriceDto | null;
  @ApiProperty({ nullable: true, type: ConvertedCostDto, description: 'Null: no rate for this currency.' })
  converted!: ConvertedCostDto | null;
  @ApiProperty({ description: 'Satisfies every constraint, so it may be chosen as the cheapest.' })
  eligible!: boolean;
  @ApiProperty({ type: [String], description: 'Why it is not eligible (empty when it is).' })
  excluded_reasons!: string[];
}

export class EstimateProviderDto {
  @ApiProperty() provider!: string;
  @ApiProperty() candidates!: number;
  @ApiProperty() eligible!: number;
  @ApiProperty({ nullable: true, type: String, description: 'Why the provider has no candidate.' })
  note!: string | null;
}

export class EstimateConstraintsDto {
  @ApiProperty({ type: GpuRequestDto }) gpu!: { type: string | null; count: number };
  @ApiProperty({ nullable: true, type: [String] }) regions!: string[] | null;
  @ApiProperty() spot_allowed!: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'Micros of the response currency per hour.' })
  max_price_per_hour_micros!: number | null;
  @ApiProperty({ type: [String] }) providers!: string[];
}

export class EstimateResponseDto {
  @ApiProperty() service!: string;
  @ApiProperty() model!: string;
  @ApiProperty({ description: 'Currency of every `converted` block.' }) currency!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Date of the rate table used.' })
  rates_date!: string | null;
  @ApiProperty({ type: EstimateConstraintsDto }) constraints!: EstimateConstraintsDto;
  @ApiProperty({ type: [EstimateProviderDto] }) providers!: EstimateProviderDto[];
  @ApiProperty({
    type: [EstimateDto],
    description: 'Eligible first, cheapest converted p50 cost first; then the others, unconvertible last.',
  })
  estimates!: EstimateDto[];
  @ApiProperty({
    nullable: true,
    type: EstimateDto,
    description: 'The cheapest eligible candidate by converted p50 cost.',
  })
  cheapest!: EstimateDto | null;
}
