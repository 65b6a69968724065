import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RegistryModule } from '../registry/registry.module';
import { CostPredictor } from './cost-predictor';
import { DispatchAdmissions } from './dispatch-admission.port';
import { EstimatePlacements } from './estimate-placements';
import { JobProcessor } from './job-processor';
import { JobWriter } from './job-writer';
import { ModelPublisher } from './model-publisher';
import { OutcomeRecorder } from './outcome-recorder';
import { SpotRecoverySteps } from './spot-recovery.steps';
import { TrainingAttemptEntity } from './training-attempt.entity';
import { TrainingDispatcher } from './training-dispatcher';
import { TrainingEstimator } from './training-estimator';
import { TrainingJobEntity } from './training-job.entity';
import { TrainingOutcomeEntity } from './training-outcome.entity';
import { TrainingPollEntity } from './training-poll.entity';
import { TrainingPoller } from './training-poller';
import { TrainingQueries } from './training-queries';
import { TrainingController } from './training.controller';
import { TrainingService } from './training.service';

/**
 * Training orchestration: dispatch, the leased poller (launch, status, stuck jobs, spot recovery),
 * outcomes and model registration. Exports what budgets needs: DispatchAdmissions (register an
 * admission), TrainingQueries (running attempts with prices) and TrainingService (cancel).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      TrainingJobEntity,
      TrainingAttemptEntity,
      TrainingOutcomeEntity,
      TrainingPollEntity,
    ]),
    RegistryModule,
  ],
  controllers: [TrainingController],
  providers: [
    DispatchAdmissions,
    CostPredictor,
    OutcomeRecorder,
    JobWriter,
    ModelPublisher,
    SpotRecoverySteps,
    JobProcessor,
    TrainingPoller,
    TrainingDispatcher,
    TrainingEstimator,
    EstimatePlacements,
    TrainingService,
    TrainingQueries,
  ],
  exports: [DispatchAdmissions, TrainingQueries, TrainingService, TrainingDispatcher],
})
export class TrainingModule {}
