import { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type FindOptionsWhere, type Repository } from 'typeorm';
import { conflict, notFound } from '../common/errors/domain-error';
import { ExchangeRates } from '../providers/exchange-rates';
import { ProviderClock } from '../providers/provider-clock';
import { ProviderRegistry } from '../providers/provider-registry';
import { isTerminal } from './job-state-machine';
import { JobWriter } from './job-writer';
import { TrainingAttemptEntity } from './training-attempt.entity';
import type { ListJobsQueryDto, TrainingJobDto } from './training.dto';
import { TrainingJobEntity } from './training-job.entity';
import { toJobDto } from './training-job.mapper';

const FOLLOW_INTERVAL_MS = 500;

/** Reading, listing, cancelling jobs and reading their logs. */
@Injectable()
export class TrainingService {
  private readonly logger = new Logger('TrainingService');

  constructor(
    @InjectRepository(TrainingJobEntity) private readonly jobs: Repository<TrainingJobEntity>,
    @InjectRepository(TrainingAttemptEntity) private readonly attempts: Repository<TrainingAttemptEntity>,
    private readonly writer: JobWriter,
    private readonly providers: ProviderRegistry,
    private readonly fx: ExchangeRates,
    private readonly clock: ProviderClock,
  ) {}

  async get(jobId: string): Promise<TrainingJobDto> {
    const job = await this.load(jobId);
    const attempts = await this.attempts.find({ where: { job_id: jobId }, order: { attempt: 'ASC' } });
    return toJobDto(
      job,
      attempts.find((a) => a.attempt === job.attempt),
      this.fx,
      this.clock.now(),
      attempts,
    );
  }

  async list(query: ListJobsQueryDto): Promise<TrainingJobDto[]> {
    const where: FindOptionsWhere<TrainingJobEntity> = {};
    if (query.service) where.service = query.service;
    if (query.provider) where.provider = query.provider;
    if (query.status) where.status = query.status as TrainingJobEntity['status'];
    const jobs = await this.jobs.find({
      where,
      order: { created_at: 'DESC', id: 'ASC' },
      take: query.limit ?? 50,
      skip: query.offset ?? 0,
    });
    const current =
      jobs.length === 0 ? [] : await this.attempts.find({ where: { job_id: In(jobs.map((j) => j.id)) } });
    const now = this.clock.now();
    return jobs.map((j) =>
      toJobDto(
        j,
        current.find((a) => a.job_id === j.id && a.attempt === j.attempt),
        this.fx,
        now,
      ),
    );
  }

  /**
   * Cancels an unfinished job: the guarded write bumps the lease token, so a poller still holding the
   * job cannot overwrite the cancellation; the provider is then told outside the transaction, and a
   * failed teardown is retried by the poller (`needs_teardown`).
   */
  async cancel(jobId: string, reason: string, actor: string): Promise<TrainingJobDto> {
    const job = await this.load(jobId);
    if (isTerminal(job.status)) {
      throw conflict('JOB_ALREADY_FINISHED', `Cannot cancel job in '${job.status}' state.`, {
        job_id: jobId,
        status: job.status,
      });
    }
    const attempt = await this.attempts.findOne({ where: { job_id: jobId, attempt: job.attempt } });
    const written = await this.writer.write({
      job,
      guard: { kind: 'cancel' },
      to: 'cancelled',
      patch: { error: `Cancelled by ${actor}: ${reason}`, needs_teardown: Boolean(attempt?.handle) },
      ...(attempt && attempt.ended_at === null
        ? { attempt: { row: attempt, end: { status: 'cancelled' as const, reason } } }
        : {}),
    });
    if (!written) return this.cancel(jobId, reason, actor); // it moved on meanwhile: re-read and decide again
    if (attempt?.handle) await this.releaseResources(written, attempt);
    return this.get(jobId);
  }

  private async releaseResources(job: TrainingJobEntity, attempt: TrainingAttemptEntity): Promise<void> {
    const provider = this.providers.find(attempt.provider);
    if (!provider || !attempt.handle) return;
    try {
      await provider.cancel(attempt.handle);
      await provider.teardown(attempt.handle);
      await this.jobs
        .createQueryBuilder()
        .update()
        .set({ needs_teardown: false })
        .where('id = :id AND lease_token = :token', { id: job.id, token: Number(job.lease_token) + 1 })
        .execute();
    } catch (error) {
      this.logger.warn(`releasing job ${job.id} failed; the poller retries: ${(error as Error).message}`);
    }
  }

  /** The last `tail` lines of the job's current (or last launched) attempt. */
  async logs(jobId: string, tail: number): Promise<string> {
    await this.load(jobId);
    const attempt = await this.attempts.findOne({ where: { job_id: jobId }, order: { attempt: 'DESC' } });
    const launched = attempt?.handle ? attempt : await this.lastLaunched(jobId);
    if (!launched?.handle) return '';
    const provider = this.providers.find(launched.provider);
    if (!provider) return '';
    return provider.logs(launched.handle, tail);
  }

  /** The tail, then new lines as they come, until the job has ended (append-only logs). */
  async follow(jobId: string, tail: number): Promise<Readable> {
    const first = await this.logs(jobId, tail);
    let sent = (await this.logs(jobId, 1_000_000)).split('\n').length;
    const stream = new Readable({ read: () => undefined });
    stream.push(first);
    const timer = setInterval(() => {
      void (async () => {
        const job = await this.jobs.findOne({ where: { id: jobId } });
        const all = (await this.logs(jobId, 1_000_000)).split('\n');
        if (all.length > sent)
          stream.push(
            all
              .slice(sent - 1, all.length - 1)
              .map((l) => `${l}\n`)
              .join(''),
          );
        sent = Math.max(sent, all.length);
        if (!job || isTerminal(job.status)) {
          clearInterval(timer);
          stream.push(null);
        }
      })().catch((error: Error) => {
        clearInterval(timer);
        stream.destroy(error);
      });
    }, FOLLOW_INTERVAL_MS);
    stream.on('close', () => clearInterval(timer));
    return stream;
  }

  private async lastLaunched(jobId: string): Promise<TrainingAttemptEntity | null> {
    const attempts = await this.attempts.find({ where: { job_id: jobId }, order: { attempt: 'DESC' } });
    return attempts.find((a) => a.handle !== null) ?? null;
  }

  private async load(jobId: string): Promise<TrainingJobEntity> {
    const job = await this.jobs.findOne({ where: { id: jobId } });
    if (!job) throw notFound('JOB_NOT_FOUND', `Training job '${jobId}' not found.`, { job_id: jobId });
    return job;
  }
}
