import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Dialect } from './migration-types';

/**
 * Runtime SQL fragments that differ between the two databases (the migration-side counterpart is
 * migration-types.ts). Services ask for a fragment; they never test which database they run on.
 */
@Injectable()
export class SqlDialect {
  readonly dialect: Dialect;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  /**
   * A statement that makes transactions taking the same `key` run one after the other until each ends
   * (PostgreSQL: an advisory transaction lock, across replicas); undefined on SQLite, whose writes are
   * serialised already.
   */
  transactionLock(key: string): { sql: string; params: unknown[] } | undefined {
    return this.dialect === 'postgres'
      ? { sql: 'SELECT pg_advisory_xact_lock(hashtext($1))', params: [key] }
      : undefined;
  }

  /** The database clock as an expression (leases and due times use it, never the process clock). */
  get now(): string {
    return this.dialect === 'postgres' ? 'now()' : "strftime('%Y-%m-%d %H:%M:%f','now')";
  }

  /** `now + seconds` as an expression; `param` is a positional placeholder holding the seconds. */
  nowPlusSeconds(param: string): string {
    return this.dialect === 'postgres'
      ? `(now() + (${param}) * interval '1 second')`
      : `strftime('%Y-%m-%d %H:%M:%f','now', '+' || (${param}) || ' seconds')`;
  }

  /** Row locking for work claims: SKIP LOCKED on PostgreSQL; SQLite serialises writers already. */
  get forUpdateSkipLocked(): string {
    return this.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '';
  }

  /** Positional placeholder number `n` (1-based). */
  param(n: number): string {
    return this.dialect === 'postgres' ? `$${n}` : '?';
  }

  /** Case-insensitive LIKE. */
  get ilike(): string {
    return this.dialect === 'postgres' ? 'ILIKE' : 'LIKE';
  }

  /**
   * The rows of a `… RETURNING` statement: TypeORM's PostgreSQL runner returns `[rows, count]` for
   * UPDATE/DELETE, the SQLite runner returns the rows.
   */
  rows<T>(result: unknown): T[] {
    if (
      Array.isArray(result) &&
      result.length === 2 &&
      Array.isArray(result[0]) &&
      typeof result[1] === 'number'
    ) {
      return result[0] as T[];
    }
    return (Array.isArray(result) ? result : []) as T[];
  }

  /** Reads the database clock. */
  async clock(): Promise<Date> {
    const rows: Array<{ now: string | Date }> = await this.dataSource.query(`SELECT ${this.now} AS now`);
    const value = rows[0]?.now;
    if (value instanceof Date) return value;
    return new Date(String(value).replace(' ', 'T') + (String(value).endsWith('Z') ? '' : 'Z'));
  }
}
