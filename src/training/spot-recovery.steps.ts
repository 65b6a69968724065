import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { ExchangeRates } from '../providers/exchange-rates';
import { PriceCatalogue } from '../providers/price-catalogue';
import { ProviderRegistry } from '../providers/provider-registry';
import type {
  ProviderJobHandle,
  ProviderJobStatus,
  TrainingProvider,
} from '../providers/training-provider.port';
import type { ClaimedJob, StepResult } from './job-processor';
import { JobWriter, type WriteGuard } from './job-writer';
import { nextPlacement } from './spot-recovery';
import type { TrainingAttemptEntity } from './training-attempt.entity';

/**
 * Spot preemption, as two steps of the job's lease: record the preemption (attempt ended and charged,
 * preemptions counted apart from failures, last checkpoint kept), then place the next attempt of the
 * same job — spot elsewhere while retries remain, on-demand after that if allowed — resuming from the
 * checkpoint. The next poller step launches it.
 */
@Injectable()
export class SpotRecoverySteps {
  private readonly logger = new Logger('SpotRecovery');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly writer: JobWriter,
    private readonly providers: ProviderRegistry,
    private readonly catalogue: PriceCatalogue,
    private readonly fx: ExchangeRates,
  ) {}

  async preempted(
    c: ClaimedJob,
    provider: TrainingProvider,
    attempt: TrainingAttemptEntity,
    handle: ProviderJobHandle,
    status: ProviderJobStatus,
    guard: WriteGuard,
  ): Promise<StepResult> {
    try {
      await provider.teardown(handle);
    } catch (error) {
      this.logger.warn(`teardown of preempted job ${c.job.id} failed: ${(error as Error).message}`);
    }
    const checkpoint = status.checkpoint_uri ?? c.job.checkpoint_uri;
    const reason = status.message ?? 'Preempted by the provider';
    const after = await this.writer.write({
      job: c.job,
      guard,
      to: 'preempted',
      patch: { preemption_count: c.job.preemption_count + 1, checkpoint_uri: checkpoint, error: reason },
      attempt: {
        row: attempt,
        patch: { handle, checkpoint_uri: status.checkpoint_uri ?? null },
        end: { status: 'preempted', reason },
      },
    });
    if (!after) return { kind: 'written' };
    return this.recover({ ...c, job: after }, guard);
  }

  async recover(c: ClaimedJob, guard: WriteGuard): Promise<StepResult> {
    const { job } = c;
    const placement = nextPlacement(
      { ...job, is_spot: job.is_spot },
      {
        max_preemption_retries: this.config.spot.max_preemption_retries,
        failover_regions: this.config.spot.failover_regions,
        failover_providers: this.config.spot.failover_providers.filter(
          (name) => this.providers.find(name)?.capabilities().spot,
        ),
      },
    );
    if (!placement) {
      const error = job.is_spot
        ? `Max preemption retries exceeded (${this.config.spot.max_preemption_retries})`
        : 'Preempted on on-demand capacity';
      await this.writer.write({ job, guard, to: 'failed', patch: { error }, releaseAfterSeconds: 0 });
      return { kind: 'written' };
    }
    const price = await this.catalogue.hourly(
      placement.provider,
      placement.instance_type,
      placement.region,
      placement.spot,
    );
    let perHourInJobCurrency: number;
    try {
      perHourInJobCurrency = this.fx.convertMicros(price.per_hour_micros, price.currency, job.currency);
    } catch (error) {
      await this.writer.write({
        job,
        guard,
        to: 'failed',
        patch: { error: (error as Error).message },
        releaseAfterSeconds: 0,
      });
      return { kind: 'written' };
    }
    const next = job.attempt + 1;
    await this.writer.write({
      job,
      guard,
      to: 'recovering',
      patch: {
        attempt: next,
        region: placement.region,
        instance_type: placement.instance_type,
        is_spot: placement.spot,
        provider_job_id: null,
        cost_per_hour_micros: perHourInJobCurrency,
      },
      newAttempt: {
        job_id: job.id,
        attempt: next,
        provider: placement.provider,
        region: placement.region,
        instance_type: placement.instance_type,
        spot: placement.spot,
        status: 'launching',
        handle: null,
        resume_from: this.config.spot.checkpoint_before_resume ? job.checkpoint_uri : null,
        price_per_hour_micros: price.per_hour_micros,
        currency: price.currency,
        cost_micros: 0,
      },
      releaseAfterSeconds: 0,
    });
    return { kind: 'written' };
  }
}
