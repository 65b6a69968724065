import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class AuditQueryDto {
  @ApiPropertyOptional({ description: 'Only this scope (e.g. `global`)' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  scope?: string;

  @ApiPropertyOptional({ description: 'Only this section (e.g. `rate_limit`)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  section?: string;

  @ApiPropertyOptional({ description: 'Only this key (e.g. `per_minute`)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  key?: string;

  @ApiPropertyOptional({ description: 'Only changes made by this actor (API key name)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  actor?: string;

  @ApiPropertyOptional({ description: 'Changes at or after this instant (ISO-8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'Changes strictly before this instant (ISO-8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 50;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset: number = 0;
}

export class AuditEntryDto {
  @ApiProperty() id!: number;
  @ApiProperty() scope!: string;
  @ApiProperty() section!: string;
  @ApiProperty() key!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Masked (`***`) for a secret' }) old_value!:
    string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Masked (`***`) for a secret' }) new_value!:
    string | null;
  @ApiProperty() secret!: boolean;
  @ApiProperty({ enum: ['create', 'update', 'reencrypt'] }) action!: string;
  @ApiProperty() changed_by!: string;
  @ApiProperty({ format: 'date-time' }) changed_at!: string;
}

export class SettingFieldDto {
  @ApiProperty() key!: string;
  @ApiProperty() label!: string;
  @ApiProperty({ enum: ['str', 'int', 'float', 'bool', 'list[str]'] }) type!: string;
  @ApiProperty({
    description: 'The boot configuration value (masked for a secret)',
    oneOf: [
      { type: 'string' },
      { type: 'number' },
      { type: 'boolean' },
      { type: 'array', items: { type: 'string' } },
    ],
  })
  default!: unknown;
  @ApiProperty() secret!: boolean;
  @ApiProperty({ enum: ['live', 'restart'] }) apply!: string;
  @ApiProperty() restart_required!: boolean;
  @ApiProperty() description!: string;
  @ApiPropertyOptional({ type: [String] }) choices?: string[];
  @ApiPropertyOptional() min?: number;
  @ApiPropertyOptional() max?: number;
}

export class SettingSectionDto {
  @ApiProperty() name!: string;
  @ApiProperty() label!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: [SettingFieldDto] }) fields!: SettingFieldDto[];
}

export class RotationReportDto {
  @ApiProperty({ description: 'Key id now sealing every secret' }) active_key_id!: string;
  @ApiProperty({ type: [String], description: 'Every key id of the ring (active first)' }) key_ids!: string[];
  @ApiProperty() reencrypted!: number;
  @ApiProperty() already_current!: number;
  @ApiProperty({ description: 'Values no key of the ring opens (left untouched)' }) undecryptable!: number;
  @ApiProperty({ description: 'Counts per store (settings, webhooks, providers …)' })
  stores!: Record<string, { reencrypted: number; already_current: number; undecryptable: number }>;
}
