import { join } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { ProviderClock } from '../providers/provider-clock';
import { ProviderCapacityError } from '../providers/provider-errors';
import { ProviderRegistry } from '../providers/provider-registry';
import type {
  CollectedArtifact,
  ProviderJobHandle,
  ProviderJobStatus,
  TrainingProvider,
} from '../providers/training-provider.port';
import { isTerminal, type JobStatus } from './job-state-machine';
import { JobWriter, type JobWrite } from './job-writer';
import { buildLaunchSpec } from './launch-spec';
import { ModelPublisher } from './model-publisher';
import { SpotRecoverySteps } from './spot-recovery.steps';
import type { AttemptStatus, TrainingAttemptEntity } from './training-attempt.entity';
import type { TrainingJobEntity } from './training-job.entity';

export interface ClaimedJob {
  job: TrainingJobEntity;
  token: number;
  pollId: number | null;
  attempt: TrainingAttemptEntity | undefined;
}

/** `unchanged`: the caller releases the lease in a batch; `written`: the step released it itself. */
export type StepResult =
  | { kind: 'written' }
  | { kind: 'unchanged'; progress: number | null; checkpoint_uri: string | null; afterSeconds: number };

/**
 * One level-triggered step of one claimed job: launch an attempt that has no handle yet, poll a live
 * one, recover a preempted one, tear down a finished one, or fail one past its max runtime. Provider
 * calls happen here, outside any transaction; every write goes through the fenced JobWriter.
 */
@Injectable()
export class JobProcessor {
  private readonly logger = new Logger('TrainingPoller');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly providers: ProviderRegistry,
    private readonly writer: JobWriter,
    private readonly publisher: ModelPublisher,
    private readonly recovery: SpotRecoverySteps,
    private readonly clock: ProviderClock,
  ) {}

  async process(c: ClaimedJob, now: Date): Promise<StepResult> {
    const { job, attempt } = c;
    if (isTerminal(job.status)) return this.finishTeardown(c);
    const provider = this.providers.find(attempt?.provider ?? job.provider);
    if (!attempt || !provider) {
      return this.fail(
        c,
        provider
          ? 'the job has no attempt to run'
          : `provider '${attempt?.provider ?? job.provider}' is not enabled`,
      );
    }
    if (
      job.started_at &&
      now.getTime() - new Date(job.started_at).getTime() > job.max_runtime_seconds * 1000
    ) {
      return this.failStuck(c, provider, attempt);
    }
    if (job.status === 'preempted') return this.recovery.recover(c, this.lease(c));
    if (attempt.handle === null) return this.launch(c, provider, attempt);
    let status: ProviderJobStatus;
    try {
      status = await provider.status(attempt.handle);
    } catch (error) {
      this.logger.warn(`status of job ${job.id} failed: ${(error as Error).message}`);
      return this.unchanged(c);
    }
    return this.apply(c, provider, attempt, attempt.handle, status);
  }

  private lease(c: ClaimedJob): JobWrite['guard'] {
    return { kind: 'lease', token: c.token, pollId: c.pollId };
  }

  private unchanged(c: ClaimedJob, progress = c.job.progress, checkpoint = c.job.checkpoint_uri): StepResult {
    return {
      kind: 'unchanged',
      progress,
      checkpoint_uri: checkpoint,
      afterSeconds: this.config.training.status_interval_seconds,
    };
  }

  private async launch(
    c: ClaimedJob,
    provider: TrainingProvider,
    attempt: TrainingAttemptEntity,
  ): Promise<StepResult> {
    const spec = buildLaunchSpec(c.job, attempt, this.config);
    let handle: ProviderJobHandle | undefined;
    try {
      handle = await provider.provision(spec);
      handle = await provider.start(handle, spec);
    } catch (error) {
      if (error instanceof ProviderCapacityError) {
        return {
          kind: 'unchanged',
          progress: c.job.progress,
          checkpoint_uri: c.job.checkpoint_uri,
          afterSeconds: error.retryAfterSeconds,
        };
      }
      if (handle)
        await this.safely(`teardown of job ${c.job.id}`, () =>
          provider.teardown(handle as ProviderJobHandle),
        );
      return this.fail(c, `Provisioning failed: ${(error as Error).message}`, 'failed', true);
    }
    const written = await this.writer.write({
      job: c.job,
      guard: this.lease(c),
      to: c.job.status === 'pending' ? 'provisioning' : undefined,
      patch: {
        provider_job_id: handle.provider_job_id,
        ...(c.job.started_at ? {} : { started_at: this.clock.now() }),
      },
      attempt: {
        row: attempt,
        patch: {
          handle,
          provider_job_id: handle.provider_job_id,
          status: 'provisioning',
          started_at: this.clock.now(),
        },
      },
      releaseAfterSeconds: 0,
    });
    if (!written) {
      // Lease lost after launching: the attempt's idempotency token makes the next owner's launch a no-op
      // for clouds; for safety tear down what we created only if nobody recorded it.
      this.logger.warn(`lease on job ${c.job.id} lost after launch; the next owner relaunches idempotently`);
    }
    return { kind: 'written' };
  }

  private async apply(
    c: ClaimedJob,
    provider: TrainingProvider,
    attempt: TrainingAttemptEntity,
    handle: ProviderJobHandle,
    status: ProviderJobStatus,
  ): Promise<StepResult> {
    const patchedHandle = status.state_patch
      ? { ...handle, state: { ...handle.state, ...status.state_patch } }
      : handle;
    const checkpoint = status.checkpoint_uri ?? c.job.checkpoint_uri;
    switch (status.state) {
      case 'provisioning':
        return this.unchanged(c);
      case 'running':
        if (c.job.status === 'running' && !status.state_patch)
          return this.unchanged(c, status.progress ?? c.job.progress, checkpoint);
        await this.writer.write({
          job: c.job,
          guard: this.lease(c),
          to: 'running',
          patch: {
            progress: status.progress ?? c.job.progress,
            checkpoint_uri: checkpoint,
            metrics: status.metrics ?? c.job.metrics,
          },
          attempt: { row: attempt, patch: { status: 'running', handle: patchedHandle } },
          releaseAfterSeconds: this.config.training.status_interval_seconds,
        });
        return { kind: 'written' };
      case 'succeeded':
        return this.complete(c, provider, attempt, patchedHandle, status);
      case 'preempted':
        return this.recovery.preempted(c, provider, attempt, patchedHandle, status, this.lease(c));
      case 'cancelled':
        await this.safely(`teardown of job ${c.job.id}`, () => provider.teardown(patchedHandle));
        return this.fail(c, status.message ?? 'cancelled by the provider', 'cancelled', false, 'cancelled');
      case 'failed':
      case 'lost':
        await this.safely(`teardown of job ${c.job.id}`, () => provider.teardown(patchedHandle));
        return this.fail(
          c,
          status.message ?? `the provider reports the job ${status.state}`,
          status.state,
          true,
          'failed',
          status.metrics,
        );
    }
  }

  private async complete(
    c: ClaimedJob,
    provider: TrainingProvider,
    attempt: TrainingAttemptEntity,
    handle: ProviderJobHandle,
    status: ProviderJobStatus,
  ): Promise<StepResult> {
    const dir = join(
      this.config.training.artifacts_dir || join(this.config.data_dir, 'training-artifacts'),
      c.job.id,
    );
    let artifacts: CollectedArtifact[];
    try {
      artifacts = await provider.collectArtifacts(handle, dir);
    } catch (error) {
      this.logger.warn(`collecting artifacts of job ${c.job.id} failed: ${(error as Error).message}`);
      return this.unchanged(c);
    }
    await this.safely(`teardown of job ${c.job.id}`, () => provider.teardown(handle));
    const written = await this.writer.write({
      job: c.job,
      guard: this.lease(c),
      to: 'completed',
      patch: {
        progress: 1,
        metrics: status.metrics ?? c.job.metrics,
        artifacts_uri: artifacts.length > 0 ? dir : null,
        error: null,
      },
      attempt: { row: attempt, patch: { handle }, end: { status: 'succeeded', reason: null } },
      artifacts,
      releaseAfterSeconds: 0,
    });
    if (written) await this.publisher.publish(written, artifacts);
    return { kind: 'written' };
  }

  /** Ends the job (and its current attempt) in a terminal state. */
  async fail(
    c: ClaimedJob,
    error: string,
    attemptStatus: AttemptStatus = 'failed',
    countsAsFailure = true,
    to: JobStatus = 'failed',
    metrics?: Record<string, number>,
  ): Promise<StepResult> {
    await this.writer.write({
      job: c.job,
      guard: this.lease(c),
      to,
      patch: {
        error,
        ...(metrics ? { metrics } : {}),
        ...(countsAsFailure ? { failure_count: c.job.failure_count + 1 } : {}),
      },
      ...(c.attempt && c.attempt.ended_at === null
        ? { attempt: { row: c.attempt, end: { status: attemptStatus, reason: error } } }
        : {}),
      releaseAfterSeconds: 0,
    });
    return { kind: 'written' };
  }

  private async failStuck(
    c: ClaimedJob,
    provider: TrainingProvider,
    attempt: TrainingAttemptEntity,
  ): Promise<StepResult> {
    if (attempt.handle) {
      const handle = attempt.handle;
      await this.safely(`cancel of job ${c.job.id}`, () => provider.cancel(handle));
      await this.safely(`teardown of job ${c.job.id}`, () => provider.teardown(handle));
    }
    const hours = Number((c.job.max_runtime_seconds / 3600).toPrecision(3));
    return this.fail(c, `Exceeded max runtime of ${hours}h`, 'failed', true);
  }

  /** A cancelled job whose resources could not be released at cancel time: retried here. */
  private async finishTeardown(c: ClaimedJob): Promise<StepResult> {
    const handle = c.attempt?.handle;
    const provider = c.attempt ? this.providers.find(c.attempt.provider) : undefined;
    if (handle && provider) {
      try {
        await provider.cancel(handle);
        await provider.teardown(handle);
      } catch (error) {
        this.logger.warn(`teardown of job ${c.job.id} failed, retrying later: ${(error as Error).message}`);
        return this.unchanged(c);
      }
    }
    await this.writer.write({
      job: c.job,
      guard: this.lease(c),
      patch: { needs_teardown: false },
      releaseAfterSeconds: 0,
    });
    return { kind: 'written' };
  }

  private async safely(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.logger.warn(`${what} failed: ${(error as Error).message}`);
    }
  }
}
