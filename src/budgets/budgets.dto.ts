import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { BUDGET_PERIODS, BUDGET_SCOPES, ENFORCEMENT_MODES } from './budget.entities';

const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? ['true', '1', 'yes', 'on'].includes(value.toLowerCase())
      ? true
      : ['false', '0', 'no', 'off'].includes(value.toLowerCase())
        ? false
        : value
    : value;

/** Fields shared by create and update; every one optional here. */
class BudgetFields {
  @ApiPropertyOptional({ description: 'Limit in major units of `currency` (reference field)', example: 100 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(1e9)
  limit_eur?: number;

  @ApiPropertyOptional({ description: 'Limit in integer micro-units of `currency`', example: 100_000_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1e15)
  limit?: number;

  @ApiPropertyOptional({
    example: 'EUR',
    description: 'ISO 4217 code; default ARTENIC_BUDGET__DEFAULT_CURRENCY',
  })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be a 3-letter ISO 4217 code' })
  currency?: string;

  @ApiPropertyOptional({ description: 'Reference field: one alert threshold (percent); 100 is always added' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(1000)
  alert_threshold_pct?: number;

  @ApiPropertyOptional({ type: [Number], example: [50, 80, 100], description: 'Alert thresholds in percent' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsNumber({ allowNaN: false, allowInfinity: false }, { each: true })
  @IsPositive({ each: true })
  @Max(1000, { each: true })
  alert_thresholds?: number[];

  @ApiPropertyOptional({
    enum: ENFORCEMENT_MODES,
    description: 'Default: ARTENIC_BUDGET__ENFORCEMENT_MODE (live)',
  })
  @IsOptional()
  @IsIn(ENFORCEMENT_MODES)
  enforcement?: (typeof ENFORCEMENT_MODES)[number];

  @ApiPropertyOptional({ default: 100, description: 'Block mode: refuse new jobs past this % of the limit' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @IsPositive()
  @Max(1000)
  stop_admission_pct?: number;

  @ApiPropertyOptional({ default: true, description: 'Block mode: cancel matching running jobs at 100%' })
  @IsOptional()
  @IsBoolean()
  cancel_running_at_limit?: boolean;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class CreateBudgetRequest extends BudgetFields {
  @ApiProperty({ enum: BUDGET_SCOPES })
  @IsIn(BUDGET_SCOPES)
  scope!: (typeof BUDGET_SCOPES)[number];

  @ApiPropertyOptional({ description: 'Service, provider, project or user name; `*` (default) for global' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  scope_value?: string;

  @ApiProperty({ enum: BUDGET_PERIODS, description: 'UTC calendar day, ISO week, month, or all time' })
  @IsIn(BUDGET_PERIODS)
  period!: (typeof BUDGET_PERIODS)[number];

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateBudgetRequest extends BudgetFields {
  @ApiPropertyOptional({ enum: BUDGET_PERIODS })
  @IsOptional()
  @IsIn(BUDGET_PERIODS)
  period?: (typeof BUDGET_PERIODS)[number];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class BudgetIdParam {
  @ApiProperty({ type: Number })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  budget_id!: number;
}

export class ListBudgetsQuery {
  @ApiPropertyOptional({ enum: BUDGET_SCOPES })
  @IsOptional()
  @IsIn(BUDGET_SCOPES)
  scope?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  enabled_only?: boolean;
}

export class SpendingQuery {
  @ApiPropertyOptional({ enum: BUDGET_SCOPES })
  @IsOptional()
  @IsIn(BUDGET_SCOPES)
  scope?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  scope_value?: string;
}

export class BudgetView {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: BUDGET_SCOPES }) scope!: string;
  @ApiProperty() scope_value!: string;
  @ApiProperty({ enum: BUDGET_PERIODS }) period!: string;
  @ApiProperty({ description: 'Integer micro-units of `currency`' }) limit!: number;
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'Limit in major units of `currency` (the reference field name)' })
  limit_eur!: number;
  @ApiProperty({ description: 'Lowest alert threshold (reference field)' }) alert_threshold_pct!: number;
  @ApiProperty({ type: [Number] }) alert_thresholds!: number[];
  @ApiProperty({ enum: ENFORCEMENT_MODES, description: 'Effective mode' }) enforcement!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Null: follows the platform default' })
  enforcement_override!: string | null;
  @ApiProperty() stop_admission_pct!: number;
  @ApiProperty() cancel_running_at_limit!: boolean;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class BudgetAlertView {
  @ApiProperty() id!: number;
  @ApiProperty() budget_id!: number;
  @ApiProperty({ example: 'threshold_exceeded' }) alert_type!: string;
  @ApiProperty() threshold_pct!: number;
  @ApiProperty({ format: 'date-time' }) period_start!: string;
  @ApiProperty() spent!: number;
  @ApiProperty() limit!: number;
  @ApiProperty() currency!: string;
  @ApiProperty() spent_eur!: number;
  @ApiProperty() limit_eur!: number;
  @ApiProperty() pct_used!: number;
  @ApiProperty() message!: string;
  @ApiProperty() webhook_sent!: boolean;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class BudgetSpendingView {
  @ApiProperty() budget_id!: number;
  @ApiProperty() scope!: string;
  @ApiProperty() scope_value!: string;
  @ApiProperty() period!: string;
  @ApiProperty({ format: 'date-time' }) period_start!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) period_end!: string | null;
  @ApiProperty() currency!: string;
  @ApiProperty({ description: 'micros' }) limit!: number;
  @ApiProperty({ description: 'micros, from the spend ledger' }) spent!: number;
  @ApiProperty({ description: 'micros still committed by admitted, unfinished jobs' }) reserved!: number;
  @ApiProperty({ description: 'limit − spent − reserved (negative when over)' }) remaining!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'spent + current burn rate × time left' })
  forecast!: number | null;
  @ApiProperty() limit_eur!: number;
  @ApiProperty() spent_eur!: number;
  @ApiProperty() reserved_eur!: number;
  @ApiProperty() remaining_eur!: number;
  @ApiProperty({ type: Number, nullable: true }) forecast_eur!: number | null;
  @ApiProperty({ description: 'spent / limit × 100' }) pct_used!: number;
  @ApiProperty({ enum: ENFORCEMENT_MODES }) enforcement!: string;
  @ApiProperty({ type: [BudgetAlertView], description: 'The 5 most recent alerts' })
  alerts!: BudgetAlertView[];
}
