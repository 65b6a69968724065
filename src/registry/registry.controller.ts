import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../common/auth/actor.decorator';
import { ModelCatalog } from './model-catalog.service';
import { ModelLifecycle } from './model-lifecycle.service';
import { ModelListing } from './model-listing.query';
import { ModelListCache, ModelListCacheInterceptor, listCacheKey } from './model-list-cache';
import { toModelResponse, type ModelResponse } from './model-version.mapper';
import { PromotionLedger } from './promotion-ledger.service';
import { toPromotionResponse } from './promotion.mapper';
import {
  HistoryQuery,
  HistoryResponseDto,
  ListModelsQuery,
  ModelResponseDto,
  PromoteDto,
  PromotionResponseDto,
  ReferenceResponseDto,
  RegisterModelDto,
  RegisterModelResponseDto,
  RestoreDto,
  RetireDto,
  UpdateModelDto,
} from './registry.dto';
import type { ModelStage } from './model-registry.port';
import { pageLinks, type HeaderSink } from './paging-headers';

@ApiTags('registry')
@Controller('api/v1/models')
export class RegistryController {
  constructor(
    private readonly catalog: ModelCatalog,
    private readonly listing: ModelListing,
    private readonly lifecycle: ModelLifecycle,
    private readonly ledger: PromotionLedger,
    private readonly listCache: ModelListCache,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register a model version (id `<name>_v<version>`)' })
  @ApiCreatedResponse({ type: RegisterModelResponseDto })
  @ApiConflictResponse({ description: 'This name and version are already registered' })
  async register(@Body() body: RegisterModelDto, @Actor() actor: string): Promise<RegisterModelResponseDto> {
    const { created_at: _c, updated_at: _u, model_size_bytes: _s, author: _a, ...input } = body;
    const model = await this.catalog.register({ ...input, framework: input.framework ?? 'custom' }, actor);
    return { model_id: model.id };
  }

  @Get()
  @UseInterceptors(ModelListCacheInterceptor)
  @ApiOperation({
    summary: 'List model versions',
    description:
      'A plain JSON array; paging through `limit`/`offset`, with `X-Total-Count` (exact) and `Link` headers.',
  })
  @ApiOkResponse({ type: [ModelResponseDto] })
  async list(
    @Query() query: ListModelsQuery,
    @Req() request: unknown,
    @Res({ passthrough: true }) response: HeaderSink,
  ): Promise<Buffer> {
    const key = listCacheKey(request);
    const stamp = this.listCache.stamp;
    const { items, total } = await this.listing.list(query);
    const aliases = await this.catalog.aliasesOf(items.map((m) => m.id));
    const link = pageLinks(key, query.offset, query.limit, total);
    const page = {
      // Rendered once here, so that a cached page is sent as is.
      body: Buffer.from(JSON.stringify(items.map((m) => toModelResponse(m, aliases.get(m.id) ?? [])))),
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'X-Total-Count': String(total),
        ...(link ? { Link: link } : {}),
      },
    };
    this.listCache.store(key, stamp, page);
    for (const [name, value] of Object.entries(page.headers)) response.header(name, value);
    return page.body;
  }

  @Get(':model_id')
  @ApiOperation({ summary: 'Get a model version by id or `name@alias`' })
  @ApiOkResponse({ type: ModelResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown model id or alias' })
  async get(@Param('model_id') modelId: string): Promise<ModelResponse> {
    const model = await this.catalog.get(modelId);
    const aliases = await this.catalog.aliasesOf([model.id]);
    return toModelResponse(model, aliases.get(model.id) ?? []);
  }

  @Patch(':model_id')
  @ApiOperation({
    summary: 'Edit the metadata of a version (description, tags); everything else is immutable',
  })
  @ApiOkResponse({ type: ModelResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown model id or alias' })
  async update(@Param('model_id') modelId: string, @Body() body: UpdateModelDto, @Actor() actor: string) {
    const model = await this.catalog.updateMetadata(modelId, body, actor);
    const aliases = await this.catalog.aliasesOf([model.id]);
    return toModelResponse(model, aliases.get(model.id) ?? []);
  }

  @Post(':model_id/promote')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Promote a version to production (default) or staging',
    description: 'Promoting to production archives the version of the same name that held it, atomically.',
  })
  @ApiNoContentResponse({ description: 'Promoted' })
  @ApiNotFoundResponse({ description: 'Unknown model id or alias' })
  @ApiConflictResponse({
    description: 'Invalid stage transition, or the displaced version is still referenced',
  })
  async promote(
    @Param('model_id') modelId: string,
    @Body() body: PromoteDto,
    @Actor() actor: string,
  ): Promise<void> {
    await this.lifecycle.promote(modelId, body.stage ?? 'production', body, actor);
  }

  @Post(':model_id/retire')
  @HttpCode(204)
  @ApiOperation({ summary: 'Archive a version (refused while referenced, unless `force`)' })
  @ApiNoContentResponse({ description: 'Archived' })
  @ApiNotFoundResponse({ description: 'Unknown model id or alias' })
  @ApiConflictResponse({ description: 'Already archived, or still referenced (the references are listed)' })
  async retire(
    @Param('model_id') modelId: string,
    @Body() body: RetireDto,
    @Actor() actor: string,
  ): Promise<void> {
    await this.lifecycle.retire(modelId, body ?? {}, actor);
  }

  @Post(':model_id/restore')
  @HttpCode(204)
  @ApiOperation({ summary: 'Bring an archived version back to `registered`' })
  @ApiNoContentResponse({ description: 'Restored' })
  @ApiNotFoundResponse({ description: 'Unknown model id or alias' })
  @ApiConflictResponse({ description: 'The version is not archived' })
  async restore(
    @Param('model_id') modelId: string,
    @Body() body: RestoreDto,
    @Actor() actor: string,
  ): Promise<void> {
    await this.lifecycle.restore(modelId, body ?? {}, actor);
  }

  @Get(':model_id/promotions')
  @ApiOperation({ summary: "A version's promotion ledger: every stage change and alias move, oldest first" })
  @ApiOkResponse({ type: [PromotionResponseDto] })
  @ApiNotFoundResponse({ description: 'Unknown model id or alias' })
  async promotions(@Param('model_id') modelId: string) {
    const model = await this.catalog.get(modelId);
    return (await this.ledger.forVersion(model.id)).map(toPromotionResponse);
  }

  @Get(':model_id/references')
  @ApiOperation({ summary: 'What still references a version (what would block retiring it)' })
  @ApiOkResponse({ type: [ReferenceResponseDto] })
  @ApiNotFoundResponse({ description: 'Unknown model id or alias' })
  async references(@Param('model_id') modelId: string) {
    return this.lifecycle.referencesTo(await this.catalog.get(modelId));
  }

  @Get(':name/history')
  @ApiOperation({ summary: 'Point in time: which version held a stage or an alias of model `name` at `at`' })
  @ApiOkResponse({ type: HistoryResponseDto })
  @ApiNotFoundResponse({ description: 'No model with this name' })
  async history(@Param('name') name: string, @Query() query: HistoryQuery): Promise<HistoryResponseDto> {
    await this.catalog.assertNameExists(name);
    const at = new Date(query.at);
    const ids = query.alias
      ? [await this.ledger.aliasTargetAt(name, query.alias, at)].filter((id): id is string => id !== null)
      : await this.ledger.stageHoldersAt(name, query.stage as ModelStage, at);
    const newest = ids[ids.length - 1] ?? null;
    return {
      name,
      at: at.toISOString(),
      ...(query.alias ? { alias: query.alias } : { stage: query.stage }),
      model_id: newest,
      version: newest ? newest.slice(name.length + 2) : null,
      model_ids: ids,
    };
  }
}
