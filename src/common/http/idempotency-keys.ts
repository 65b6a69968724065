import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { conflict, invalid } from '../errors/domain-error';
import { SqlDialect } from '../../database/sql-dialect';

/**
 * `Idempotency-Key` support for creating endpoints: the first request with a key records the resource it
 * created (in the creating transaction); a retry with the same key and body gets that resource back; the
 * same key with another body is a 409.
 */
@Injectable()
export class IdempotencyKeys {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dialect: SqlDialect,
  ) {}

  static hash(body: unknown): string {
    return createHash('sha256').update(stableJson(body)).digest('hex');
  }

  static validate(key: string | undefined): string | undefined {
    if (key === undefined || key === '') return undefined;
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw invalid('INVALID_IDEMPOTENCY_KEY', 'Idempotency-Key must be 1–255 visible ASCII characters.');
    }
    return key;
  }

  /** The resource created earlier under this key and body, if any (409 if the body differs). */
  async lookup(scope: string, key: string, requestHash: string): Promise<string | undefined> {
    const p = (n: number) => this.dialect.param(n);
    const rows: Array<{ request_hash: string; resource_id: string | null }> = await this.dataSource.query(
      `SELECT request_hash, resource_id FROM idempotency_keys WHERE scope = ${p(1)} AND key = ${p(2)}`,
      [scope, key],
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.request_hash !== requestHash) {
      throw conflict(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request body.',
        { idempotency_key: key },
      );
    }
    return row.resource_id ?? undefined;
  }

  /** Records the key inside the creating transaction; a concurrent duplicate fails on the primary key. */
  async record(
    manager: EntityManager,
    scope: string,
    key: string,
    requestHash: string,
    resourceId: string,
  ): Promise<void> {
    const p = (n: number) => this.dialect.param(n);
    await manager.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, resource_id, created_at)
       VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${this.dialect.now})`,
      [scope, key, requestHash, resourceId],
    );
  }
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
