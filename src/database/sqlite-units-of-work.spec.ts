import { DataSource } from 'typeorm';
import { serializeSqliteUnitsOfWork } from './sqlite-units-of-work';

describe('serializeSqliteUnitsOfWork', () => {
  let ds: DataSource;

  beforeEach(async () => {
    ds = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await ds.initialize();
    serializeSqliteUnitsOfWork(ds);
    await ds.query('CREATE TABLE t (id INTEGER PRIMARY KEY, owner TEXT)');
  });
  afterEach(() => ds.destroy());

  const tick = () => new Promise((r) => setTimeout(r, 5));

  it("does not let a rolled-back transaction undo a concurrent transaction's committed work", async () => {
    const failing = ds.transaction(async (m) => {
      await m.query("INSERT INTO t (owner) VALUES ('failing')");
      await tick();
      throw new Error('refused');
    });
    const succeeding = ds.transaction(async (m) => {
      await m.query("INSERT INTO t (owner) VALUES ('ok')");
      await tick();
    });

    await expect(failing).rejects.toThrow('refused');
    await succeeding;

    expect(await ds.query('SELECT owner FROM t')).toEqual([{ owner: 'ok' }]);
  });

  it('keeps a plain statement from another caller out of an open transaction', async () => {
    const tx = ds.transaction(async (m) => {
      await m.query("INSERT INTO t (owner) VALUES ('tx')");
      await tick();
      throw new Error('rollback');
    });
    const outside = ds.query("INSERT INTO t (owner) VALUES ('outside')");

    await expect(tx).rejects.toThrow('rollback');
    await outside;

    expect(await ds.query('SELECT owner FROM t')).toEqual([{ owner: 'outside' }]);
  });

  it('lets a transaction run nested transactions and statements of its own', async () => {
    await ds.transaction(async (m) => {
      await m.query("INSERT INTO t (owner) VALUES ('outer')");
      await ds.query('SELECT 1');
      await m.transaction(async (inner) => inner.query("INSERT INTO t (owner) VALUES ('inner')"));
    });

    expect(await ds.query('SELECT owner FROM t ORDER BY id')).toEqual([
      { owner: 'outer' },
      { owner: 'inner' },
    ]);
  });

  it('serves 50 concurrent transactions one after another, all committed', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ds.transaction(async (m) => {
          await m.query('INSERT INTO t (owner) VALUES (?)', [`w${i}`]);
          await tick();
        }),
      ),
    );

    expect(await ds.query('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 50 }]);
  });
});
