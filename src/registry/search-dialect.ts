import type { Dialect } from '../database/migration-types';

/*
 * The runtime half of the registry's free-text index (the migration 1764231200000-registry-search builds
 * the other half): `search_text` holds the lower-cased name and description; PostgreSQL matches it with
 * LIKE through a pg_trgm GIN index, SQLite through an FTS5 trigram table kept in step by triggers.
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
  /**
   * The matches come as a set (an FTS table), not from an index an ordered scan can stop early on: build it
   * once and take both the page and the total from it. PostgreSQL walks the created_at index and rechecks
   * the trigram condition per row instead, which stops after one page.
   */
  setOnly: boolean;
}

/** "`search_text` contains `q`" (case-insensitive) for the dialect in use. */
export function textMatch(dialect: Dialect, q: string): TextMatch {
  const needle = q.toLowerCase();
  if (dialect === 'postgres') {
    return {
      sql: (p) => `m.search_text LIKE ${p} ESCAPE '\\'`,
      setOnly: false,
      value: `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    };
  }
  const fts = (operator: string) => (p: string) =>
    `m.id IN (SELECT s.model_id FROM model_search s WHERE s.search_text ${operator} ${p})`;
  // A quoted phrase of trigrams is a substring match answered from the index alone; a needle too short to
  // hold a trigram falls back to GLOB (no escape character: a special character becomes a one-character class).
  return [...needle].length >= 3
    ? { sql: fts('MATCH'), value: `"${needle.replace(/"/g, '""')}"`, setOnly: true }
    : { sql: fts('GLOB'), value: `*${needle.replace(/[*?[]/g, (c) => `[${c}]`)}*`, setOnly: true };
}
