import { Global, Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthIndicators } from './health-indicators';

@Global()
@Module({
  controllers: [HealthController],
  providers: [HealthIndicators],
  exports: [HealthIndicators],
})
export class HealthModule {}
