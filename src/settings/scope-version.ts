import type { EntityManager } from 'typeorm';
import type { SqlDialect } from '../database/sql-dialect';
import { ConfigScopeEntity } from './config-setting.entity';

/**
 * Bumps a scope's version inside the caller's transaction and returns it. The UPDATE takes the scope
 * row's lock on PostgreSQL, so concurrent writers of one scope are serialised (SQLite serialises all
 * writers) and each reads the values the previous one committed.
 */
export async function bumpScopeVersion(
  manager: EntityManager,
  dialect: SqlDialect,
  scope: string,
): Promise<number> {
  await manager
    .createQueryBuilder()
    .update(ConfigScopeEntity)
    .set({
      version: () => 'version + 1',
      updated_at: () => dialect.now,
    })
    .where('scope = :scope', { scope })
    .execute();
  return Number((await manager.findOneByOrFail(ConfigScopeEntity, { scope })).version);
}
