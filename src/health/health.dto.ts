import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ example: 'healthy' }) status!: string;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'not_ready'] }) status!: string;
  @ApiProperty({ enum: ['connected', 'disconnected'] }) database!: string;
  @ApiPropertyOptional({ description: 'Why the instance is not ready.' }) reason?: string;
}

export class DetailedHealthDto {
  @ApiProperty({ enum: ['healthy', 'degraded'] }) status!: string;
  @ApiProperty({ example: '0.2.0' }) version!: string;
  @ApiProperty() instance_id!: string;
  @ApiProperty() uptime_seconds!: number;
  @ApiProperty({
    description:
      'Per component: version and database (as in the reference) plus event relay, background loops and ' +
      'whatever modules report (providers, plugins, MLflow sync, model health).',
    type: 'object',
    additionalProperties: true,
  })
  components!: Record<string, unknown>;
}
