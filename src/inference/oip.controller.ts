import { Body, Controller, Get, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/public.decorator';
import { requestIdOf } from '../common/http/request-id';
import { OipInferRequestDto, OipInferResponseDto, OipModelMetadataDto } from './inference.dto';
import { SUBJECT_HEADER } from './inference.controller';
import { OipGateway } from './oip.gateway';

/**
 * The Open Inference Protocol v2 (KServe/Triton) face of the gateway. A model `name` is an inference
 * service; `versions/{v}` pins the version `v` of the model serving it (`<model name>_v<v>`). Without a
 * version the call resolves like `POST /api/v1/services/{service}/predict` (routing, ensembles included).
 */
@ApiTags('inference')
@Controller('v2')
export class OipController {
  constructor(private readonly oip: OipGateway) {}

  @Public()
  @Get('health/live')
  @ApiOperation({ summary: 'OIP liveness' })
  live(): { live: boolean } {
    return { live: true };
  }

  @Public()
  @Get('health/ready')
  @ApiOperation({ summary: 'OIP readiness: the database answers' })
  ready(): Promise<{ ready: boolean }> {
    return this.oip.serverReady();
  }

  @Get('models/:name')
  @ApiOperation({ summary: 'OIP model metadata of the service' })
  @ApiOkResponse({ type: OipModelMetadataDto })
  @ApiNotFoundResponse()
  metadata(@Param('name') name: string): Promise<OipModelMetadataDto> {
    return this.oip.metadata(name);
  }

  @Get('models/:name/versions/:version')
  @ApiOperation({ summary: 'OIP model metadata of one version' })
  @ApiOkResponse({ type: OipModelMetadataDto })
  metadataOfVersion(
    @Param('name') name: string,
    @Param('version') version: string,
  ): Promise<OipModelMetadataDto> {
    return this.oip.metadata(name, version);
  }

  @Get('models/:name/ready')
  @ApiOperation({ summary: 'OIP model readiness (loads the model)' })
  modelReady(@Param('name') name: string): Promise<{ name: string; ready: boolean }> {
    return this.oip.modelReady(name);
  }

  @Get('models/:name/versions/:version/ready')
  @ApiOperation({ summary: 'OIP readiness of one version' })
  versionReady(@Param('name') name: string, @Param('version') version: string) {
    return this.oip.modelReady(name, version);
  }

  @Post('models/:name/infer')
  @HttpCode(200)
  @ApiOperation({ summary: 'OIP inference on the service' })
  @ApiOkResponse({ type: OipInferResponseDto })
  infer(
    @Param('name') name: string,
    @Body() body: OipInferRequestDto,
    @Headers(SUBJECT_HEADER) subject: string | undefined,
    @Req() req: unknown,
  ): Promise<OipInferResponseDto> {
    return this.oip.infer(name, undefined, body, subject || requestIdOf(req));
  }

  @Post('models/:name/versions/:version/infer')
  @HttpCode(200)
  @ApiOperation({ summary: 'OIP inference on one version' })
  @ApiOkResponse({ type: OipInferResponseDto })
  inferVersion(
    @Param('name') name: string,
    @Param('version') version: string,
    @Body() body: OipInferRequestDto,
    @Headers(SUBJECT_HEADER) subject: string | undefined,
    @Req() req: unknown,
  ): Promise<OipInferResponseDto> {
    return this.oip.infer(name, version, body, subject || requestIdOf(req));
  }
}
