import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { holdSqliteInstanceLock } from './sqlite-instance-lock';

describe('holdSqliteInstanceLock', () => {
  it('lets one holder at a time have a database file, and frees it on release', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'artenic-lock-')), 'artenic.db');
    const release = holdSqliteInstanceLock(file);

    expect(() => holdSqliteInstanceLock(file)).toThrow(/database is locked/);

    release();
    const again = holdSqliteInstanceLock(file);
    again();
  });
});
