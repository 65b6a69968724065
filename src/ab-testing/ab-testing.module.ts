import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { InjectRepository } from '@nestjs/typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';
import { EnsemblesModule } from '../ensembles/ensembles.module';
import { InferenceModule } from '../inference/inference.module';
import { ModelReferences } from '../registry/model-references.service';
import { RegistryModule } from '../registry/registry.module';
import { AbTestEntity, AbTestMetricEntity } from './ab-test.entities';
import { AbTestConclusion } from './ab-test-conclusion.service';
import { AbTestMetrics } from './ab-test-metrics.service';
import { AbTestResults } from './ab-test-results.service';
import { AbTests } from './ab-tests.service';
import { AbTestingController } from './ab-testing.controller';
import { AbTestRouter } from './routing/ab-test.router';

/** A/B tests: API, hashed routing inside inference resolution, SQL-aggregated statistics, auto-conclusion. */
@Module({
  imports: [
    TypeOrmModule.forFeature([AbTestEntity, AbTestMetricEntity]),
    RegistryModule,
    InferenceModule,
    EnsemblesModule,
  ],
  controllers: [AbTestingController],
  providers: [AbTests, AbTestResults, AbTestMetrics, AbTestConclusion, AbTestRouter],
  exports: [AbTests, AbTestResults],
})
export class AbTestingModule implements OnModuleInit {
  private readonly logger = new Logger('AbTestingModule');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(AbTestEntity) private readonly tests: Repository<AbTestEntity>,
    private readonly tasks: PeriodicTasks,
    private readonly references: ModelReferences,
    private readonly router: AbTestRouter,
    private readonly conclusion: AbTestConclusion,
  ) {}

  onModuleInit(): void {
    this.references.register(this.router);
    this.tasks.register('ab-testing.auto', () => this.tick(), {
      intervalMs: this.config.ab_test.auto_interval_seconds * 1000,
      timeoutMs: 60_000,
    });
  }

  /** Concludes the opted-in tests that became decisive. */
  async tick(): Promise<void> {
    const due = await this.tests.find({ where: { status: 'running', auto_conclude: true } });
    for (const test of due) {
      try {
        await this.conclusion.autoConclude(test);
      } catch (error) {
        this.logger.warn(`A/B test ${test.id}: ${(error as Error).message}`);
      } finally {
        this.router.invalidate();
      }
    }
  }
}
