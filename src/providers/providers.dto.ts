import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ProviderPriceEntity } from './provider-price.entity';
import type { TrainingProvider } from './training-provider.port';

export class ProviderCapabilitiesDto {
  @ApiProperty() spot!: boolean;
  @ApiProperty() gpu!: boolean;
  @ApiProperty({ type: [String] }) regions!: string[];
  @ApiProperty({ type: [String] }) instance_types!: string[];
  @ApiPropertyOptional() notes?: string;
}

export class ProviderDto {
  @ApiProperty({ example: 'mock' }) name!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: ProviderCapabilitiesDto }) capabilities!: ProviderCapabilitiesDto;
}

export class ProviderPriceDto {
  @ApiProperty() provider!: string;
  @ApiProperty() instance_type!: string;
  @ApiProperty({ nullable: true, type: String }) region!: string | null;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ description: 'Integer micro-units of currency per hour.' })
  on_demand_per_hour_micros!: number;
  @ApiProperty({ nullable: true, type: Number }) spot_per_hour_micros!: number | null;
  @ApiProperty({ nullable: true, type: String }) gpu_type!: string | null;
  @ApiProperty() gpu_count!: number;
  @ApiProperty({ nullable: true, type: Number }) vcpus!: number | null;
  @ApiProperty({ nullable: true, type: Number }) memory_gb!: number | null;
  @ApiProperty() fetched_at!: string;
  @ApiProperty() stale!: boolean;
  @ApiProperty() source!: string;
}

/** Capabilities only: adapters hold credentials, which never leave the process. */
export const toProviderDto = (provider: TrainingProvider): ProviderDto => {
  const c = provider.capabilities();
  return {
    name: provider.name,
    enabled: true,
    capabilities: {
      spot: c.spot,
      gpu: c.gpu,
      regions: [...c.regions],
      instance_types: [...c.instance_types],
      ...(c.notes ? { notes: c.notes } : {}),
    },
  };
};

export const toPriceDto = (row: ProviderPriceEntity): ProviderPriceDto => ({
  provider: row.provider,
  instance_type: row.instance_type,
  region: row.region === '' ? null : row.region,
  currency: row.currency,
  on_demand_per_hour_micros: row.on_demand_per_hour_micros,
  spot_per_hour_micros: row.spot_per_hour_micros,
  gpu_type: row.gpu_type,
  gpu_count: row.gpu_count,
  vcpus: row.vcpus,
  memory_gb: row.memory_gb,
  fetched_at: new Date(row.fetched_at).toISOString(),
  stale: row.stale,
  source: row.source,
});
