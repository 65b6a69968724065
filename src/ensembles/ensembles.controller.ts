import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
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
import { toEnsembleView, toVersionView } from './ensemble.mapper';
import {
  CreateEnsembleRequestDto,
  CreateEnsembleResponseDto,
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
}
