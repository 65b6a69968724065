import type { Dialect } from '../database/migration-types';

/*
 * The runtime half of the registry's free-text index (the migration 1764231200000-registry-search builds
 * the other half): `search_text` holds the lower-cased name and description; PostgreSQL matches it with
 * LIKE through a pg_trgm GIN index, SQLite through an FTS5 trigram table kept in step by triggers, where
 * GLOB (case-sensitive, hence the lower-casing) is the operator the trigram index serves.
 */

/** Between name and description, so a query cannot match across the two (same value as the migration). */
const SEPARATOR = '\n';

/** The `search_text` of a version: what `q` is matched against, as a substring. */
export function searchTextOf(name: string, description: string): string {
  return `${name}${SEPARATOR}${description}`.toLowerCase();
}

export interface TextMatch {
  /** The WHERE fragment for the versions aliased `m`, given the placeholder of `value`. */
  sql(placeholder: string): string;
  value: string;
}

/** "`search_text` contains `q`" (case-insensitive) for the dialect in use. */
export function textMatch(dialect: Dialect, q: string): TextMatch {
  const needle = q.toLowerCase();
  if (dialect === 'postgres') {
    return {
      sql: (p) => `m.search_text LIKE ${p} ESCAPE '\\'`,
      value: `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    };
  }
  return {
    sql: (p) => `m.id IN (SELECT s.model_id FROM model_search s WHERE s.search_text GLOB ${p})`,
    // GLOB has no escape character: a special character is matched by a one-character class.
    value: `*${needle.replace(/[*?[]/g, (c) => `[${c}]`)}*`,
  };
}
