import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { invalid, validationFailed, type FieldError } from '../common/errors/domain-error';
import { SecretBox, SecretUnreadableError } from '../config/secret-box';
import { SqlDialect } from '../database/sql-dialect';
import { TransactionRunner } from '../database/transaction-runner';
import { EventOutbox } from '../events/event-outbox';
import { ConfigAuditEntity } from './config-audit.entity';
import { ConfigSettingEntity } from './config-setting.entity';
import { bumpScopeVersion } from './scope-version';
import { RuntimeSettings } from './runtime-settings.service';
import { maskSecret, requireSection, secretContext } from './settings-catalog';
import type { SettingField, SettingSection } from './settings-schema';
import { fieldError, formatSettingValue, parseSettingValue } from './setting-values';

interface Update {
  field: SettingField;
  text: string;
}

interface Change extends Update {
  oldText: string | null;
  created: boolean;
}

/**
 * PUT /settings/{scope}/{section}: validates every key against the schema, then writes the rows, the
 * audit entries and a `config` event in one transaction, and applies the result on this replica before
 * answering (the other replicas apply it when the event reaches them).
 */
@Injectable()
export class SettingsWriter {
  private readonly logger = new Logger('Settings');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
    private readonly outbox: EventOutbox,
    private readonly box: SecretBox,
    private readonly runtime: RuntimeSettings,
  ) {}

  async update(scope: string, sectionName: string, body: unknown, actor: string): Promise<void> {
    const section = requireSection(scope, sectionName);
    const updates = this.validate(section, body);
    const changes = await this.tx.run(async (manager) => {
      const version = await bumpScopeVersion(manager, this.dialect, scope);
      const changes = await this.diff(manager, scope, section.name, updates);
      if (changes.length === 0) return changes;
      await this.write(manager, scope, section.name, changes, actor);
      await this.outbox.append(manager, {
        topic: 'config',
        type: 'settings.updated',
        subject: `${scope}/${section.name}`,
        data: {
          scope,
          section: section.name,
          version,
          keys: changes.map((c) => c.field.key),
          values: Object.fromEntries(changes.map((c) => [c.field.key, shown(c.field, c.text)])),
          changed_by: actor,
        },
      });
      return changes;
    });
    if (changes.length === 0) return;
    this.logger.log(
      `updated ${changes.length} setting(s) in ${scope}/${section.name} by ${actor}: ${changes.map((c) => c.field.key).join(', ')}`,
    );
    await this.runtime.reload();
  }

  private validate(section: SettingSection, body: unknown): Update[] {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw validationFailed([
        { loc: ['body'], msg: 'must be a JSON object of {key: value}', type: 'dict_type' },
      ]);
    }
    const entries = Object.entries(body as Record<string, unknown>);
    if (entries.length === 0) {
      throw invalid('EMPTY_SETTINGS_UPDATE', 'The body names no setting to change.', {
        section: section.name,
      });
    }
    const errors: FieldError[] = [];
    const updates: Update[] = [];
    for (const [key, raw] of entries) {
      const field = section.fields.find((f) => f.key === key);
      if (!field) {
        errors.push(
          fieldError(
            key,
            `unknown setting '${key}' in section '${section.name}' (known: ${section.fields.map((f) => f.key).join(', ')})`,
            'unknown_key',
          ),
        );
        continue;
      }
      const parsed = parseSettingValue(field, raw);
      if (parsed.ok) updates.push({ field, text: formatSettingValue(parsed.value) });
      else errors.push(fieldError(key, parsed.msg, parsed.type));
    }
    if (errors.length > 0) throw validationFailed(errors);
    return updates;
  }

  private async diff(
    manager: EntityManager,
    scope: string,
    section: string,
    updates: Update[],
  ): Promise<Change[]> {
    const rows = await manager.findBy(ConfigSettingEntity, {
      scope,
      section,
      key: In(updates.map((u) => u.field.key)),
    });
    const changes: Change[] = [];
    for (const update of updates) {
      const row = rows.find((r) => r.key === update.field.key);
      const oldText = row ? this.readStored(row) : null;
      const current = oldText ?? formatSettingValue(this.runtime.get(section, update.field.key));
      if (row && oldText === update.text) continue;
      if (!row && current === update.text) continue;
      changes.push({ ...update, oldText: row ? oldText : current, created: !row });
    }
    return changes;
  }

  private readStored(row: ConfigSettingEntity): string | null {
    if (!row.encrypted) return row.value;
    try {
      return this.box.open(row.value, secretContext(row.scope, row.section, row.key));
    } catch (error) {
      if (error instanceof SecretUnreadableError) return null;
      throw error;
    }
  }

  private async write(
    manager: EntityManager,
    scope: string,
    section: string,
    changes: Change[],
    actor: string,
  ) {
    const now = () => this.dialect.now;
    await manager
      .createQueryBuilder()
      .insert()
      .into(ConfigSettingEntity)
      .values(
        changes.map((c) => {
          const secret = c.field.secret === true;
          const value = secret ? this.box.seal(c.text, secretContext(scope, section, c.field.key)) : c.text;
          return {
            scope,
            section,
            key: c.field.key,
            value,
            encrypted: secret,
            key_id: secret ? this.box.activeKeyId : null,
            updated_at: now,
            updated_by: actor,
          };
        }),
      )
      .orUpdate(['value', 'encrypted', 'key_id', 'updated_at', 'updated_by'], ['scope', 'section', 'key'])
      .execute();
    await manager
      .createQueryBuilder()
      .insert()
      .into(ConfigAuditEntity)
      .values(
        changes.map((c) => ({
          scope,
          section,
          key: c.field.key,
          old_value: c.oldText === null ? null : shown(c.field, c.oldText),
          new_value: shown(c.field, c.text),
          secret: c.field.secret === true,
          action: c.created ? 'create' : 'update',
          changed_by: actor,
          changed_at: now,
        })),
      )
      .execute();
  }
}

/** The value as it may leave the platform: a secret is masked. */
function shown(field: SettingField, text: string): string {
  return field.secret ? maskSecret(text) : text;
}
