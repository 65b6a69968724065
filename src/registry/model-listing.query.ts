import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { invalid } from '../common/errors/domain-error';
import { SqlDialect } from '../database/sql-dialect';
import { modelFromRow } from './model-row';
import type { ModelVersionEntity } from './model-version.entity';
import { textMatch } from './search-dialect';

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

/** Every column the response needs (not `search_text`, which is only matched against). */
const LIST_COLUMNS = [
  'id',
  'name',
  'version',
  'service',
  'model_type',
  'framework',
  'description',
  'tags',
  'input_features',
  'output_schema',
  'stage',
  'serving',
  'metrics',
  'training_job_id',
  'mlflow_run_id',
  'mlflow_model_uri',
  'mlflow_sync',
  'mlflow_sync_error',
  'mlflow_synced_event_id',
  'created_at',
  'updated_at',
]
  .map((c) => `m.${c}`)
  .join(', ');

/**
 * The list endpoint's query: plain SQL over indexed columns (migration 1764231200000-registry-search), rows
 * mapped without entity hydration since this is the registry's hot read path.
 */
@Injectable()
export class ModelListing {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dialect: SqlDialect,
  ) {}

  /**
   * One page and the total. The page is read with one row more than asked: when that row is missing the
   * total is known without counting (last pages, small results); otherwise a COUNT over the same indexed
   * filters gives the exact `X-Total-Count`.
   */
  async list(filters: ListFilters): Promise<{ items: ModelVersionEntity[]; total: number }> {
    const order = SORTS[filters.sort ?? '-created_at'];
    if (!order) throw invalid('INVALID_SORT', `sort must be one of ${LIST_SORTS.join(', ')}.`);
    const { where, params, setOnly } = this.where(filters);
    // Free text ordered by anything but created_at cannot stop early on the created_at index: the whole
    // match set is sorted anyway, so the page and the total come from that one pass, not a second COUNT.
    const sortsWholeMatch = Boolean(filters.q) && !order.startsWith('created_at');
    if (setOnly || sortsWholeMatch) return this.matchedPage(where, params, order, filters);
    const n = params.length;
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT ${LIST_COLUMNS} FROM artenic_models m ${where} ORDER BY ${order} ` +
        `LIMIT ${this.dialect.param(n + 1)} OFFSET ${this.dialect.param(n + 2)}`,
      [...params, filters.limit + 1, filters.offset],
    );
    const items = rows.slice(0, filters.limit).map(modelFromRow);
    if (rows.length <= filters.limit && (rows.length > 0 || filters.offset === 0)) {
      return { items, total: filters.offset + rows.length };
    }
    const counted = await this.dataSource.query<Array<{ total: unknown }>>(
      `SELECT COUNT(*) AS total FROM artenic_models m ${where}`,
      params,
    );
    return { items, total: Number(counted[0]?.total ?? 0) };
  }

  /** Free text answered as a set (see TextMatch.setOnly): ids sorted with a window count, then rows by id. */
  private async matchedPage(where: string, params: unknown[], order: string, filters: ListFilters) {
    const n = params.length;
    const keys = ['m.id', 'm.name', 'm.version', 'm.created_at'].join(', ');
    const rows = await this.dataSource.query<Array<Record<string, unknown>>>(
      `SELECT ${LIST_COLUMNS}, p.total FROM (SELECT ${keys}, COUNT(*) OVER () AS total ` +
        `FROM artenic_models m ${where} ORDER BY ${order} ` +
        `LIMIT ${this.dialect.param(n + 1)} OFFSET ${this.dialect.param(n + 2)}) p ` +
        `JOIN artenic_models m ON m.id = p.id ORDER BY ${order.replace(/\b(\w+) (ASC|DESC)/g, 'p.$1 $2')}`,
      [...params, filters.limit, filters.offset],
    );
    if (rows.length > 0 || filters.offset === 0) {
      return { items: rows.map(modelFromRow), total: Number(rows[0]?.total ?? 0) };
    }
    // Past the last page the window has no row to carry the total.
    const counted = await this.dataSource.query<Array<{ total: unknown }>>(
      `SELECT COUNT(*) AS total FROM artenic_models m ${where}`,
      params,
    );
    return { items: [], total: Number(counted[0]?.total ?? 0) };
  }

  private where(filters: ListFilters): { where: string; params: unknown[]; setOnly: boolean } {
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
    const match = filters.q ? textMatch(this.dialect.dialect, filters.q) : undefined;
    if (match) add((p) => match.sql(p()), match.value);
    return {
      where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '',
      params,
      setOnly: match?.setOnly ?? false,
    };
  }
}
