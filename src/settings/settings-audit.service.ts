import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  And,
  LessThan,
  MoreThanOrEqual,
  type FindOperator,
  type FindOptionsWhere,
  type Repository,
} from 'typeorm';
import { invalid } from '../common/errors/domain-error';
import { ConfigAuditEntity } from './config-audit.entity';

export interface AuditQuery {
  scope?: string;
  section?: string;
  key?: string;
  actor?: string;
  since?: string;
  until?: string;
  limit: number;
  offset: number;
}

export interface AuditEntry {
  id: number;
  scope: string;
  section: string;
  key: string;
  old_value: string | null;
  new_value: string | null;
  secret: boolean;
  action: string;
  changed_by: string;
  changed_at: string;
}

/** The settings audit log, newest first (id breaks ties: one PUT's rows share a timestamp). */
@Injectable()
export class SettingsAudit {
  constructor(@InjectRepository(ConfigAuditEntity) private readonly audit: Repository<ConfigAuditEntity>) {}

  async list(query: AuditQuery): Promise<{ entries: AuditEntry[]; total: number }> {
    const where: FindOptionsWhere<ConfigAuditEntity> = {};
    if (query.scope) where.scope = query.scope;
    if (query.section) where.section = query.section;
    if (query.key) where.key = query.key;
    if (query.actor) where.changed_by = query.actor;
    const range = timeRange(query.since, query.until);
    if (range) where.changed_at = range;
    const [rows, total] = await this.audit.findAndCount({
      where,
      order: { changed_at: 'DESC', id: 'DESC' },
      skip: query.offset,
      take: query.limit,
    });
    return { entries: rows.map(toAuditEntry), total };
  }
}

function timeRange(since?: string, until?: string): FindOperator<Date> | undefined {
  const from = since ? new Date(since) : undefined;
  const to = until ? new Date(until) : undefined;
  if (from && to && from >= to) {
    throw invalid('INVALID_TIME_RANGE', '`since` must be before `until`.', { since, until });
  }
  if (from && to) return And(MoreThanOrEqual(from), LessThan(to));
  if (from) return MoreThanOrEqual(from);
  if (to) return LessThan(to);
  return undefined;
}

export function toAuditEntry(row: ConfigAuditEntity): AuditEntry {
  return {
    id: Number(row.id),
    scope: row.scope,
    section: row.section,
    key: row.key,
    old_value: row.old_value,
    new_value: row.new_value,
    secret: row.secret,
    action: row.action,
    changed_by: row.changed_by,
    changed_at: row.changed_at.toISOString(),
  };
}
