import { resolve } from 'node:path';

export type DatabaseTarget =
  { kind: 'sqlite'; file: string; inMemory: boolean } | { kind: 'postgres'; url: string };

/**
 * Accepts the reference's SQLAlchemy forms as well as plain ones:
 * `sqlite::memory:`, `sqlite:./data/x.db`, `sqlite:///abs/x.db`, `sqlite+aiosqlite://`,
 * `postgres://…`, `postgresql://…`, `postgresql+asyncpg://…`.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const trimmed = url.trim();
  const pg = /^postgres(?:ql)?(?:\+[a-z0-9]+)?:\/\//i;
  if (pg.test(trimmed)) return { kind: 'postgres', url: trimmed.replace(pg, 'postgresql://') };
  const sqlite = /^sqlite(?:\+[a-z0-9]+)?:(.*)$/i.exec(trimmed);
  if (sqlite) {
    let rest = sqlite[1] ?? '';
    if (rest === '' || rest === '//' || rest === ':memory:' || rest === '///:memory:') {
      return { kind: 'sqlite', file: ':memory:', inMemory: true };
    }
    // sqlite:///relative and sqlite:////absolute (SQLAlchemy), sqlite://x, sqlite:x
    if (rest.startsWith('///')) rest = rest.slice(3);
    else if (rest.startsWith('//')) rest = rest.slice(2);
    return { kind: 'sqlite', file: resolve(rest), inMemory: false };
  }
  throw new Error(
    `ARTENIC_DATABASE_URL: unsupported scheme in "${redactUrl(trimmed)}" (use sqlite:<file>, sqlite::memory: or postgresql://…)`,
  );
}

/** The URL with its password replaced, for logs and health output. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
