import { Column, type ColumnOptions, type ValueTransformer } from 'typeorm';

/*
 * Entity column helpers. Entities stay dialect-neutral (the physical types are chosen by the migrations,
 * see migration-types.ts); these helpers pick the TypeORM logical type that both drivers convert the same
 * way, so services never branch on the database.
 */

const bigintAsNumber: ValueTransformer = {
  to: (v: unknown) => v,
  from: (v: unknown) => (v === null || v === undefined ? v : Number(v)),
};

/** A UTC instant. Stored as timestamptz on PostgreSQL and as an ISO-like UTC string on SQLite. */
export const TimestampColumn = (options: Omit<ColumnOptions, 'type'> = {}) =>
  Column({ type: Date, ...options });

/** A JSON document (jsonb on PostgreSQL, text on SQLite). */
export const JsonColumn = (options: Omit<ColumnOptions, 'type'> = {}) => Column({ type: 'json', ...options });

/** Money in integer micro-units of its currency: never a float. */
export const MicrosColumn = (options: Omit<ColumnOptions, 'type' | 'transformer'> = {}) =>
  Column({ type: 'bigint', transformer: bigintAsNumber, ...options });

/** A 64-bit counter or id read back as a JS number (safe below 2^53). */
export const BigIntColumn = MicrosColumn;

export const bigintTransformer = bigintAsNumber;
