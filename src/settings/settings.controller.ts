import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Actor } from '../common/auth/actor.decorator';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { RuntimeSettings } from './runtime-settings.service';
import { SecretRotation, type RotationReport } from './secret-rotation.service';
import { SettingsAudit, type AuditEntry } from './settings-audit.service';
import { requireScope, requireSection } from './settings-catalog';
import { SETTINGS_SCHEMA } from './settings-schema';
import { sectionSchema, sectionValues } from './settings-views';
import { SettingsWriter } from './settings-writer.service';
import { AuditEntryDto, AuditQueryDto, RotationReportDto, SettingSectionDto } from './settings.dto';

const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } } as const;

interface HeaderResponse {
  header: (name: string, value: string) => unknown;
}

/**
 * Runtime settings. Static paths (schema, audit, secrets) are declared before `/{scope}` so that
 * `GET /settings/audit` is the audit log, not a scope named "audit" as in the original.
 */
@ApiTags('settings')
@ApiExtraModels(SettingSectionDto)
@Controller('api/v1/settings')
export class SettingsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runtime: RuntimeSettings,
    private readonly writer: SettingsWriter,
    private readonly audit: SettingsAudit,
    private readonly rotation: SecretRotation,
  ) {}

  @Get('schema')
  @ApiOperation({ summary: 'The full settings schema: every scope, section and field' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      additionalProperties: { type: 'array', items: { $ref: getSchemaPath(SettingSectionDto) } },
    },
  })
  schema(): Record<string, SettingSectionDto[]> {
    return Object.fromEntries(
      Object.entries(SETTINGS_SCHEMA).map(([scope, sections]) => [
        scope,
        sections.map((s) => sectionSchema(s, this.config)),
      ]),
    );
  }

  @Get('schema/:scope')
  @ApiOperation({ summary: 'The sections of one scope' })
  @ApiOkResponse({ type: [SettingSectionDto] })
  @ApiNotFoundResponse({ description: 'Unknown scope' })
  scopeSchema(@Param('scope') scope: string): SettingSectionDto[] {
    return requireScope(scope).map((s) => sectionSchema(s, this.config));
  }

  @Get('schema/:scope/:section')
  @ApiOperation({ summary: 'One section of the schema' })
  @ApiOkResponse({ type: SettingSectionDto })
  @ApiNotFoundResponse({ description: 'Unknown scope or section' })
  sectionSchema(@Param('scope') scope: string, @Param('section') section: string): SettingSectionDto {
    return sectionSchema(requireSection(scope, section), this.config);
  }

  @Get('audit')
  @ApiOperation({ summary: 'Settings audit log, newest first (secrets masked); total in X-Total-Count' })
  @ApiOkResponse({ type: [AuditEntryDto] })
  @ApiBadRequestResponse({ description: 'Invalid filter or pagination' })
  auditLog(
    @Query() query: AuditQueryDto,
    @Res({ passthrough: true }) res: HeaderResponse,
  ): Promise<AuditEntry[]> {
    return this.listAudit(query, res);
  }

  @Get('audit/log')
  @ApiOperation({ summary: 'Settings audit log (the path the artenic CLI calls); same as /settings/audit' })
  @ApiOkResponse({ type: [AuditEntryDto] })
  @ApiBadRequestResponse({ description: 'Invalid filter or pagination' })
  auditLogCli(
    @Query() query: AuditQueryDto,
    @Res({ passthrough: true }) res: HeaderResponse,
  ): Promise<AuditEntry[]> {
    return this.listAudit(query, res);
  }

  @Post('secrets/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-encrypt every stored secret with the active key (after changing ARTENIC_SECRET_KEY)',
    description:
      'Values sealed with a previous key (ARTENIC_SECRET_KEYS_PREVIOUS, or the generated key file) are opened and sealed again with the active key; afterwards the previous key can be dropped.',
  })
  @ApiOkResponse({ type: RotationReportDto })
  rotate(@Actor() actor: string): Promise<RotationReport> {
    return this.rotation.rotate(actor);
  }

  @Get(':scope')
  @ApiOperation({ summary: 'Effective values of every section of a scope (secrets masked)' })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: STRING_MAP } })
  @ApiNotFoundResponse({ description: 'Unknown scope' })
  scopeValues(@Param('scope') scope: string): Record<string, Record<string, string>> {
    return Object.fromEntries(requireScope(scope).map((s) => [s.name, sectionValues(this.runtime, s)]));
  }

  @Get(':scope/:section')
  @ApiOperation({ summary: 'Effective values of one section (secrets masked)' })
  @ApiOkResponse({ schema: STRING_MAP })
  @ApiNotFoundResponse({ description: 'Unknown scope or section' })
  sectionValues(@Param('scope') scope: string, @Param('section') section: string): Record<string, string> {
    return sectionValues(this.runtime, requireSection(scope, section));
  }

  @Put(':scope/:section')
  @ApiOperation({
    summary: 'Change settings of a section; applied live on every replica',
    description:
      'Body `{key: value}`; values are strings as the CLI sends them (numbers, booleans and string lists are accepted too). Each key is validated against the schema (type, bounds, choices). Secrets are encrypted at rest and never returned. Answers the whole section, secrets masked.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      additionalProperties: {
        oneOf: [
          { type: 'string' },
          { type: 'number' },
          { type: 'boolean' },
          { type: 'array', items: { type: 'string' } },
        ],
      },
    },
  })
  @ApiOkResponse({ schema: STRING_MAP })
  @ApiBadRequestResponse({
    description: 'Unknown key, wrong type or out of range (each named in details.errors)',
  })
  @ApiNotFoundResponse({ description: 'Unknown scope or section' })
  async update(
    @Param('scope') scope: string,
    @Param('section') section: string,
    @Body() body: unknown,
    @Actor() actor: string,
  ): Promise<Record<string, string>> {
    await this.writer.update(scope, section, body, actor);
    return sectionValues(this.runtime, requireSection(scope, section));
  }

  private async listAudit(query: AuditQueryDto, res: HeaderResponse): Promise<AuditEntry[]> {
    const { entries, total } = await this.audit.list(query);
    res.header('X-Total-Count', String(total));
    return entries;
  }
}
