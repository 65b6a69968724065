import { Controller, Get, Headers, Param, Put, Req, Res, StreamableFile } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../../common/auth/actor.decorator';
import { invalid } from '../../common/errors/domain-error';
import type { HeaderSink } from '../paging-headers';
import { ArtifactResponseDto } from '../registry.dto';
import type { ModelArtifactEntity } from '../model-artifact.entity';
import { ModelArtifacts } from './model-artifacts.service';
import { requestBodyStream } from './request-body-stream';

const toArtifactResponse = (a: ModelArtifactEntity): ArtifactResponseDto => ({
  model_id: a.model_id,
  path: a.path,
  size_bytes: a.size_bytes,
  sha256: a.sha256,
  uploaded_by: a.uploaded_by,
  created_at: a.created_at.toISOString(),
});

/** The `*` wildcard: Fastify names it `*` (a string), Nest's Express adapter `path` (its segments). */
const wildcardPath = (params: Record<string, unknown>): string => {
  const value = params['*'] ?? params.path ?? '';
  if (Array.isArray(value)) return value.join('/');
  return typeof value === 'string' ? value : '';
};

@ApiTags('registry')
@Controller('api/v1/models/:model_id/artifacts')
export class ModelArtifactsController {
  constructor(private readonly artifacts: ModelArtifacts) {}

  @Get()
  @ApiOperation({ summary: "A version's artifact files with size and SHA-256" })
  @ApiOkResponse({ type: [ArtifactResponseDto] })
  @ApiNotFoundResponse({ description: 'Unknown model id or alias' })
  async list(@Param('model_id') modelId: string): Promise<ArtifactResponseDto[]> {
    return (await this.artifacts.list(modelId)).map(toArtifactResponse);
  }

  @Put('*')
  @ApiOperation({ summary: 'Upload an artifact file (streamed; Content-Type application/octet-stream)' })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiHeader({
    name: 'X-Checksum-SHA256',
    required: false,
    description: 'Hex SHA-256; a mismatch is refused',
  })
  @ApiOkResponse({ type: ArtifactResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown model id or alias' })
  @ApiConflictResponse({ description: 'The version already has this artifact (artifacts are immutable)' })
  async upload(
    @Param() params: Record<string, unknown>,
    @Headers('x-checksum-sha256') sha256: string | undefined,
    @Headers('content-length') contentLength: string | undefined,
    @Req() request: unknown,
    @Actor() actor: string,
  ): Promise<ArtifactResponseDto> {
    const size = contentLength === undefined ? undefined : Number(contentLength);
    if (size !== undefined && !Number.isSafeInteger(size))
      throw invalid('INVALID_CONTENT_LENGTH', 'Bad Content-Length.');
    const body = requestBodyStream(request);
    const record = await this.artifacts.upload(
      String(params.model_id),
      wildcardPath(params),
      body,
      { sha256: sha256?.toLowerCase(), size },
      actor,
    );
    return toArtifactResponse(record);
  }

  @Get('*')
  // Artifacts go out as stored: gzip would re-encode every download and drop its Content-Length (the
  // Fastify compressor reads this route config; Express's honours `Cache-Control: no-transform`).
  @RouteConfig({ compress: false })
  @ApiOperation({
    summary: 'Download an artifact file (streamed, with its SHA-256 in X-Checksum-SHA256 and ETag)',
  })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ description: 'Unknown model, alias or artifact' })
  async download(
    @Param() params: Record<string, unknown>,
    @Res({ passthrough: true }) response: HeaderSink,
  ): Promise<StreamableFile> {
    const { record, stream } = await this.artifacts.open(String(params.model_id), wildcardPath(params));
    response.header('X-Checksum-SHA256', record.sha256);
    response.header('ETag', `"${record.sha256}"`);
    response.header('Cache-Control', 'private, no-transform');
    return new StreamableFile(stream, { type: 'application/octet-stream', length: record.size_bytes });
  }
}
