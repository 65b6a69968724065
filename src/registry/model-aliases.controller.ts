import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor } from '../common/auth/actor.decorator';
import type { ModelAliasEntity } from './model-alias.entity';
import { ModelAliases } from './model-aliases.service';
import { AliasResponseDto, DeleteAliasQuery, SetAliasDto } from './registry.dto';

const toAliasResponse = (a: ModelAliasEntity): AliasResponseDto => ({
  name: a.name,
  alias: a.alias,
  model_id: a.model_id,
  version: a.version,
  updated_by: a.updated_by,
  updated_at: a.updated_at.toISOString(),
});

@ApiTags('registry')
@Controller('api/v1/models/:name/aliases')
export class ModelAliasesController {
  constructor(private readonly aliases: ModelAliases) {}

  @Get()
  @ApiOperation({ summary: "A model name's aliases" })
  @ApiOkResponse({ type: [AliasResponseDto] })
  @ApiNotFoundResponse({ description: 'No model with this name' })
  async list(@Param('name') name: string): Promise<AliasResponseDto[]> {
    return (await this.aliases.list(name)).map(toAliasResponse);
  }

  @Put(':alias')
  @ApiOperation({ summary: 'Set or move an alias to a version (`name@alias` then resolves to it)' })
  @ApiOkResponse({ type: AliasResponseDto })
  @ApiNotFoundResponse({ description: 'Unknown version' })
  @ApiConflictResponse({ description: 'The version is archived' })
  async set(
    @Param('name') name: string,
    @Param('alias') alias: string,
    @Body() body: SetAliasDto,
    @Actor() actor: string,
  ): Promise<AliasResponseDto> {
    return toAliasResponse(await this.aliases.set(name, alias, body.version, body.reason ?? '', actor));
  }

  @Delete(':alias')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an alias' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ description: 'Unknown alias' })
  async delete(
    @Param('name') name: string,
    @Param('alias') alias: string,
    @Query() query: DeleteAliasQuery,
    @Actor() actor: string,
  ): Promise<void> {
    await this.aliases.delete(name, alias, query.reason ?? '', actor);
  }
}
