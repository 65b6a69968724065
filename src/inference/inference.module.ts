import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HealthIndicators } from '../health/health-indicators';
import { RegistryModule } from '../registry/registry.module';
import { InferenceController } from './inference.controller';
import { OipController } from './oip.controller';
import { OipGateway } from './oip.gateway';
import { ModelWarmer } from './model-warmer';
import { PredictionService } from './prediction.service';
import { PredictionTargetResolver } from './prediction-target.resolver';
import { PredictionRecordEntity } from './recording/prediction-record.entity';
import { PredictionRecorder } from './recording/prediction-recorder';
import { PredictionRecords } from './recording/prediction-records.service';
import { EnsembleRunners } from './routing/ensemble-runner.port';
import { PredictionRouters } from './routing/prediction-routing.port';
import { BackendBreakers } from './runtime/http/backend-breakers';
import { HttpRuntime } from './runtime/http/http.runtime';
import { ModelExecutor } from './runtime/model-executor.service';
import { OnnxRuntime } from './runtime/onnx.runtime';
import { OnnxSessionCache } from './runtime/onnx-session-cache';

/**
 * The inference gateway: service resolution (with the routing seam), ONNX and remote runtimes, OIP v2,
 * batched prediction records. Exports what A/B tests, monitoring and ensembles build on.
 */
@Module({
  imports: [TypeOrmModule.forFeature([PredictionRecordEntity]), RegistryModule],
  controllers: [InferenceController, OipController],
  providers: [
    OnnxSessionCache,
    OnnxRuntime,
    BackendBreakers,
    HttpRuntime,
    ModelExecutor,
    PredictionRouters,
    EnsembleRunners,
    PredictionTargetResolver,
    PredictionRecorder,
    PredictionRecords,
    PredictionService,
    OipGateway,
    ModelWarmer,
  ],
  exports: [PredictionRouters, EnsembleRunners, ModelExecutor, PredictionService, PredictionRecords],
})
export class InferenceModule implements OnModuleInit {
  constructor(
    private readonly health: HealthIndicators,
    private readonly sessions: OnnxSessionCache,
    private readonly breakers: BackendBreakers,
    private readonly executor: ModelExecutor,
    private readonly recorder: PredictionRecorder,
  ) {}

  onModuleInit(): void {
    this.health.register('inference', () => {
      const breakers = this.breakers.states();
      const open = Object.values(breakers).filter((s) => s === 'open').length;
      return {
        status: open > 0 ? 'degraded' : 'up',
        onnx_sessions: this.sessions.stats(),
        concurrency: this.executor.limiter.stats(),
        backends: breakers,
        records: this.recorder.stats(),
      };
    });
  }
}
