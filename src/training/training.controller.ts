import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPaymentRequiredResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../common/auth/actor.decorator';
import { TrainingDispatcher } from './training-dispatcher';
import { TrainingEstimator } from './training-estimator';
import { TrainingService } from './training.service';
import { EstimateRequestDto, EstimateResponseDto } from './training-estimate.dto';
import {
  DispatchRequestDto,
  DispatchResponseDto,
  ListJobsQueryDto,
  LogsQueryDto,
  TrainingJobDto,
} from './training.dto';

@ApiTags('training')
@Controller('api/v1/training')
export class TrainingController {
  constructor(
    private readonly dispatcher: TrainingDispatcher,
    private readonly training: TrainingService,
    private readonly estimator: TrainingEstimator,
  ) {}

  @Post('dispatch')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dispatch a training job (launched by the poller right after this returns)' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Same key and body → the same job; other body → 409.',
  })
  @ApiOkResponse({ type: DispatchResponseDto })
  @ApiBadRequestResponse({
    description:
      'Invalid body, unknown provider (the message names the enabled ones), or a GPU request the provider cannot satisfy.',
  })
  @ApiPaymentRequiredResponse({ description: 'Refused by a budget.' })
  @ApiConflictResponse({ description: 'Idempotency-Key reused with another body.' })
  async dispatch(
    @Body() body: DispatchRequestDto,
    @Actor() actor: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<DispatchResponseDto> {
    const { jobId, prediction } = await this.dispatcher.dispatch(body, actor, idempotencyKey);
    const job = await this.training.get(jobId);
    return {
      job_id: job.id,
      status: job.status,
      provider: job.provider,
      provider_job_id: job.provider_job_id,
      cost_estimate_eur: job.cost_estimate_eur,
      cost_per_hour_eur: job.cost_per_hour_eur,
      prediction: prediction ?? {
        duration_p50_seconds: job.predicted_duration_p50_seconds ?? 0,
        duration_p90_seconds: job.predicted_duration_p90_seconds ?? 0,
        basis: 'stored',
        samples: 0,
        price_per_hour_micros: job.cost_per_hour_micros ?? 0,
        currency: job.currency,
        price_known: job.cost_per_hour_micros !== null,
        price_stale: false,
        cost_p50_micros: job.predicted_cost_p50_micros ?? 0,
        cost_p90_micros: job.predicted_cost_p90_micros ?? 0,
      },
      created_at: job.created_at,
    };
  }

  @Post('estimate')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Priced candidates for a GPU request on every enabled provider (own currency and converted), and the cheapest satisfying the constraints',
  })
  @ApiOkResponse({ type: EstimateResponseDto })
  @ApiBadRequestResponse({
    description: 'Invalid body, unknown provider, or a currency the rate table does not cover.',
  })
  estimate(@Body() body: EstimateRequestDto): Promise<EstimateResponseDto> {
    return this.estimator.estimate(body);
  }

  // Declared before ':job_id' so that 'jobs' is never read as a job id.
  @Get('jobs')
  @ApiOperation({ summary: 'List jobs, newest first (filters: service, provider, status)' })
  @ApiOkResponse({ type: [TrainingJobDto] })
  list(@Query() query: ListJobsQueryDto): Promise<TrainingJobDto[]> {
    return this.training.list(query);
  }

  @Get(':job_id')
  @ApiOperation({ summary: 'A job, with its attempts, progress and cost so far' })
  @ApiOkResponse({ type: TrainingJobDto })
  @ApiNotFoundResponse({ description: 'Unknown job.' })
  get(@Param('job_id', ParseUUIDPipe) jobId: string): Promise<TrainingJobDto> {
    return this.training.get(jobId);
  }

  @Post(':job_id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel an unfinished job (its process or machine is stopped)' })
  @ApiOkResponse({ type: TrainingJobDto })
  @ApiNotFoundResponse({ description: 'Unknown job.' })
  @ApiConflictResponse({ description: 'The job has already finished.' })
  cancel(@Param('job_id', ParseUUIDPipe) jobId: string, @Actor() actor: string): Promise<TrainingJobDto> {
    return this.training.cancel(jobId, 'cancelled through the API', actor);
  }

  @Get(':job_id/logs')
  @ApiOperation({
    summary: "The job's output: the last `tail` lines; `follow=true` streams until the job ends",
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Plain text.' })
  @ApiNotFoundResponse({ description: 'Unknown job.' })
  async logs(
    @Param('job_id', ParseUUIDPipe) jobId: string,
    @Query() query: LogsQueryDto,
  ): Promise<StreamableFile> {
    const tail = query.tail ?? 200;
    const follow = query.follow === 'true' || query.follow === '1';
    const type = 'text/plain; charset=utf-8';
    if (follow) return new StreamableFile(await this.training.follow(jobId, tail), { type });
    return new StreamableFile(Buffer.from(await this.training.logs(jobId, tail)), { type });
  }
}
