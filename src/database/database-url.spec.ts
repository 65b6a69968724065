import { resolve } from 'node:path';
import { parseDatabaseUrl, redactUrl } from './database-url';

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite::memory:', { kind: 'sqlite', file: ':memory:', inMemory: true }],
    ['sqlite+aiosqlite://', { kind: 'sqlite', file: ':memory:', inMemory: true }],
    ['sqlite:./data/x.db', { kind: 'sqlite', file: resolve('./data/x.db'), inMemory: false }],
    ['sqlite:////tmp/abs.db', { kind: 'sqlite', file: '/tmp/abs.db', inMemory: false }],
  ])('reads %s', (url, expected) => {
    expect(parseDatabaseUrl(url)).toEqual(expected);
  });

  it.each(['postgres://u:p@h/db', 'postgresql://u:p@h/db', 'postgresql+asyncpg://u:p@h/db'])(
    'normalises %s to postgresql://',
    (url) => {
      expect(parseDatabaseUrl(url)).toEqual({ kind: 'postgres', url: 'postgresql://u:p@h/db' });
    },
  );

  it('refuses other schemes without echoing the password', () => {
    expect(() => parseDatabaseUrl('mysql://root:hunter2@h/db')).toThrow(/mysql:\/\/root:\*\*\*@h\/db/);
  });

  it('redacts passwords for logs', () => {
    expect(redactUrl('postgresql://app:s3cret@db:5432/artenic')).toBe('postgresql://app:***@db:5432/artenic');
  });
});
