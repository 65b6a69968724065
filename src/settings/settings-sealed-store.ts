import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { SecretBox, SecretUnreadableError } from '../config/secret-box';
import { SqlDialect } from '../database/sql-dialect';
import { TransactionRunner } from '../database/transaction-runner';
import { EventOutbox } from '../events/event-outbox';
import { ConfigAuditEntity } from './config-audit.entity';
import { ConfigSettingEntity } from './config-setting.entity';
import { bumpScopeVersion } from './scope-version';
import { RuntimeSettings } from './runtime-settings.service';
import { SECRET_MASK, secretContext } from './settings-catalog';
import { GLOBAL_SCOPE } from './settings-schema';
import type { ResealCounts, SealedStore } from './secret-rotation.service';

/** Re-seals the secret settings with the active key; audited as `reencrypt` (values stay masked). */
@Injectable()
export class SettingsSealedStore implements SealedStore {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
    private readonly outbox: EventOutbox,
    private readonly runtime: RuntimeSettings,
  ) {}

  async reseal(box: SecretBox, actor: string): Promise<ResealCounts> {
    const counts = await this.tx.run(async (manager) => {
      const version = await bumpScopeVersion(manager, this.dialect, GLOBAL_SCOPE);
      const rows = await manager.findBy(ConfigSettingEntity, { encrypted: true });
      const counts: ResealCounts = { reencrypted: 0, already_current: 0, undecryptable: 0 };
      for (const row of rows) {
        if (!box.needsReseal(row.value)) {
          counts.already_current += 1;
          continue;
        }
        try {
          const value = box.reseal(row.value, secretContext(row.scope, row.section, row.key));
          await manager.update(ConfigSettingEntity, { id: row.id }, { value, key_id: box.activeKeyId });
          await this.audit(manager, row, actor);
          counts.reencrypted += 1;
        } catch (error) {
          if (!(error instanceof SecretUnreadableError)) throw error;
          counts.undecryptable += 1;
        }
      }
      if (counts.reencrypted > 0) {
        await this.outbox.append(manager, {
          topic: 'config',
          type: 'secrets.reencrypted',
          subject: GLOBAL_SCOPE,
          data: { scope: GLOBAL_SCOPE, version, key_id: box.activeKeyId, ...counts, changed_by: actor },
        });
      }
      return counts;
    });
    await this.runtime.reload();
    return counts;
  }

  private async audit(manager: EntityManager, row: ConfigSettingEntity, actor: string): Promise<void> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(ConfigAuditEntity)
      .values({
        scope: row.scope,
        section: row.section,
        key: row.key,
        old_value: SECRET_MASK,
        new_value: SECRET_MASK,
        secret: true,
        action: 'reencrypt',
        changed_by: actor,
        changed_at: () => this.dialect.now,
      })
      .execute();
  }
}
