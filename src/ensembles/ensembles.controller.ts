import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiHeader,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPaymentRequiredResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../common/auth/actor.decorator';
import { requestIdOf } from '../common/http/request-id';
import { PredictResponseDto } from '../inference/inference.dto';
import { SUBJECT_HEADER, toPredictResponses } from '../inference/inference.controller';
import { PredictionService } from '../inference/prediction.service';
import { EnsembleCatalog } from './ensemble-catalog.service';
import { EnsemblePredictor } from './ensemble-predictor.service';
import { EnsembleTraining } from './ensemble-training.service';
import { toEnsembleView, toVersionView } from './ensemble.mapper';
import {
  CreateEnsembleRequestDto,
  CreateEnsembleResponseDto,
  DispatchTrainingRequestDto,
  EnsembleJobView,
  EnsemblePredictRequestDto,
  EnsembleVersionView,
  EnsembleView,
  ListEnsemblesQueryDto,
  UpdateEnsembleRequestDto,
  VersionsQueryDto,
} from './ensembles.dto';

@ApiTags('ensembles')
@Controller('api/v1/ensembles')
export class EnsemblesController {
  constructor(
    private readonly catalog: EnsembleCatalog,
    private readonly predictor: EnsemblePredictor,
    private readonly predictions: PredictionService,
    private readonly training: EnsembleTraining,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an ensemble (version 1); members are pinned to exact versions' })
  @ApiCreatedResponse({ type: CreateEnsembleResponseDto })
  @ApiConflictResponse({ description: 'An ensemble with this service and name exists.' })
  async create(
    @Body() body: CreateEnsembleRequestDto,
    @Actor() actor: string,
  ): Promise<CreateEnsembleResponseDto> {
    const state = await this.catalog.create(body, actor);
    this.predictor.invalidate();
    return { ensemble_id: state.ensemble.id, ...toEnsembleView(state.ensemble, state.version) };
  }

  @Get()
  @ApiOperation({ summary: 'List ensembles, newest first' })
  @ApiOkResponse({ type: [EnsembleView] })
  async list(@Query() query: ListEnsemblesQueryDto): Promise<EnsembleView[]> {
    return (await this.catalog.list(query)).map((s) => toEnsembleView(s.ensemble, s.version));
  }

  @Get(':ensemble_id')
  @ApiOperation({ summary: 'Get an ensemble (its current version)' })
  @ApiOkResponse({ type: EnsembleView })
  @ApiNotFoundResponse()
  async get(@Param('ensemble_id') id: string): Promise<EnsembleView> {
    const s = await this.catalog.get(id);
    return toEnsembleView(s.ensemble, s.version);
  }

  @Put(':ensemble_id')
  @ApiOperation({ summary: 'Update: a behaviour change creates version N+1; earlier versions stay callable' })
  @ApiOkResponse({ type: EnsembleView })
  @ApiNotFoundResponse()
  async update(
    @Param('ensemble_id') id: string,
    @Body() body: UpdateEnsembleRequestDto,
    @Actor() actor: string,
  ): Promise<EnsembleView> {
    const s = await this.catalog.update(id, body, actor);
    this.predictor.invalidate();
    return toEnsembleView(s.ensemble, s.version);
  }

  @Get(':ensemble_id/versions')
  @ApiOperation({ summary: 'Version history, newest first' })
  @ApiOkResponse({ type: [EnsembleVersionView] })
  @ApiNotFoundResponse()
  async versions(
    @Param('ensemble_id') id: string,
    @Query() q: VersionsQueryDto,
  ): Promise<EnsembleVersionView[]> {
    return (await this.catalog.history(id, q.limit)).map(toVersionView);
  }

  @Post(':ensemble_id/predict')
  @HttpCode(200)
  @ApiOperation({ summary: 'Predict with the ensemble (current version, or `version`)' })
  @ApiOkResponse({ type: PredictResponseDto })
  @ApiServiceUnavailableResponse({ description: 'Fewer members answered than the quorum.' })
  async predict(
    @Param('ensemble_id') id: string,
    @Body() body: EnsemblePredictRequestDto,
    @Headers(SUBJECT_HEADER) subject: string | undefined,
    @Req() req: unknown,
  ): Promise<PredictResponseDto> {
    const { ensemble } = await this.catalog.get(id);
    const outcome = await this.predictions.predict({
      service: ensemble.service,
      rows: [body.data],
      subject: subject || requestIdOf(req),
      target: { kind: 'ensemble', ensemble_id: id, ensemble_version: body.version },
      request: { data: body.data },
    });
    return toPredictResponses(outcome)[0]!;
  }

  @Post(':ensemble_id/train')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Train every member: one training job per member version, with an aggregate status',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retry returns the same job.' })
  @ApiOkResponse({ type: EnsembleJobView })
  @ApiBadRequestResponse({
    description: 'Unknown provider, invalid config, member_config naming non-members.',
  })
  @ApiPaymentRequiredResponse({ description: 'A budget refuses a member job (none is started).' })
  @ApiNotFoundResponse({ description: 'Unknown ensemble.' })
  @ApiConflictResponse({ description: 'Idempotency-Key reused with another body.' })
  train(
    @Param('ensemble_id') id: string,
    @Body() body: DispatchTrainingRequestDto,
    @Actor() actor: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<EnsembleJobView> {
    return this.training.train(id, body, actor, idempotencyKey);
  }

  @Get(':ensemble_id/jobs/:job_id')
  @ApiOperation({ summary: 'An ensemble training job, its status computed from the member jobs' })
  @ApiOkResponse({ type: EnsembleJobView })
  @ApiNotFoundResponse({ description: 'Unknown ensemble, or no such job for this ensemble.' })
  job(@Param('ensemble_id') id: string, @Param('job_id') jobId: string): Promise<EnsembleJobView> {
    return this.training.status(id, jobId);
  }
}
