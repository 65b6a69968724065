import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { invalid } from '../common/errors/domain-error';
import { SqlDialect } from '../database/sql-dialect';
import { modelFromRow } from './model-row';
import type { ModelVersionEntity } from './model-version.entity';

export interface ListFilters {
  name?: string;
  stage?: string;
  framework?: string;
  model_type?: string;
  service?: string;
  /** `key=value` pairs, all of which must match. */
  tag?: string[];
  /** Free text on name and description. */
  q?: string;
  sort?: string;
  limit: number;
  offset: number;
}

/** Sort keys a client may ask for; `-` means descending. Ties break on id so pages are stable. */
const SORTS: Record<string, string> = {
  created_at: 'created_at ASC, id ASC',
  '-created_at': 'created_at DESC, id DESC',
  name: 'name ASC, created_at DESC, id ASC',
  '-name': 'name DESC, created_at DESC, id DESC',
  version: 'version ASC, id ASC',
  '-version': 'version DESC, id DESC',
};

export const LIST_SORTS = Object.keys(SORTS);

/**
 * The list endpoint's query: plain SQL over indexed columns (one page query, one count), rows mapped
 * without entity hydration since this is the registry's hot read path.
 */
@Injectable()
export class ModelListing {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dialect: SqlDialect,
  ) {}

  async list(filters: ListFilters): Promise<{ items: ModelVersionEntity[]; total: number }> {
    const order = SORTS[filters.sort ?? '-created_at'];
    if (!order) throw invalid('INVALID_SORT', `sort must be one of ${LIST_SORTS.join(', ')}.`);
    const { where, params } = this.where(filters);
    const p = (n: number) => this.dialect.param(n);
    const n = params.length;
    const [rows, counted] = await Promise.all([
      this.dataSource.query<Array<Record<string, unknown>>>(
        `SELECT * FROM artenic_models m ${where} ORDER BY ${order} LIMIT ${p(n + 1)} OFFSET ${p(n + 2)}`,
        [...params, filters.limit, filters.offset],
      ),
      this.dataSource.query<Array<{ total: unknown }>>(
        `SELECT COUNT(*) AS total FROM artenic_models m ${where}`,
        params,
      ),
    ]);
    return { items: rows.map(modelFromRow), total: Number(counted[0]?.total ?? 0) };
  }

  private where(filters: ListFilters): { where: string; params: unknown[] } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: (offset?: number) => string) => string, ...values: unknown[]) => {
      const base = params.length;
      params.push(...values);
      clauses.push(sql((offset = 0) => this.dialect.param(base + 1 + offset)));
    };
    for (const column of ['name', 'stage', 'framework', 'model_type', 'service'] as const) {
      const value = filters[column];
      if (value !== undefined) add((p) => `m.${column} = ${p()}`, value);
    }
    for (const pair of filters.tag ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw invalid('INVALID_TAG_FILTER', `tag filter '${pair}' must be key=value.`);
      add(
        // IN (…) lets the planner drive from the (tag_key, tag_value, model_id) index instead of probing per row.
        (p) =>
          `m.id IN (SELECT t.model_id FROM model_tags t WHERE t.tag_key = ${p()} AND t.tag_value = ${p(1)})`,
        pair.slice(0, eq),
        pair.slice(eq + 1),
      );
    }
    if (filters.q) {
      const like = `%${filters.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      add(
        (p) => `(LOWER(m.name) LIKE ${p()} ESCAPE '\\' OR LOWER(m.description) LIKE ${p(1)} ESCAPE '\\')`,
        like,
        like,
      );
    }
    return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
  }
}
