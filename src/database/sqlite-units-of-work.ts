import { AsyncLocalStorage } from 'node:async_hooks';
import { EntityManager, type DataSource } from 'typeorm';

/**
 * TypeORM's better-sqlite3 driver has ONE query runner for the whole process: a second transaction
 * started while one is open becomes a SAVEPOINT inside it, and a plain query from another request runs
 * inside it too. A rollback of either would then undo the other's work. This makes the shared runner
 * serve one unit of work at a time — a whole transaction (explicit, or the implicit one of `save`), or a
 * single statement outside one — in arrival order, which is what SQLite executes anyway.
 *
 * Ownership follows the async context: each unit runs inside `AsyncLocalStorage.run`, so the statements
 * and nested transactions issued by the code of a unit go straight through; everything else waits.
 */
export function serializeSqliteUnitsOfWork(dataSource: DataSource): void {
  const runner = dataSource.driver.createQueryRunner('master');
  const lock = new UnitLock();
  units.set(dataSource, lock);
  patchEntityManagerOnce();

  const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
  (runner as { query: (...args: unknown[]) => Promise<unknown> }).query = (...args: unknown[]) =>
    lock.exclusive(() => query(...args));
}

const units = new WeakMap<DataSource, UnitLock>();
const context = new AsyncLocalStorage<symbol>();

/** Methods that open a transaction of their own (explicitly, or implicitly as `save` does). */
const UNIT_METHODS = ['transaction', 'save', 'remove', 'softRemove', 'recover'] as const;
let patched = false;

function patchEntityManagerOnce(): void {
  if (patched) return;
  patched = true;
  const proto = EntityManager.prototype as unknown as Record<
    string,
    (...args: unknown[]) => Promise<unknown>
  >;
  for (const method of UNIT_METHODS) {
    const original = proto[method]!;
    proto[method] = function (this: EntityManager, ...args: unknown[]) {
      const lock = units.get(this.connection);
      // A manager bound to a query runner is already inside a unit (it came from `transaction`).
      if (!lock || this.queryRunner?.isTransactionActive) {
        return original.apply(this, args);
      }
      return lock.exclusive(() => original.apply(this, args));
    };
  }
}

/** A FIFO mutex whose holder is the async context of the unit running. */
class UnitLock {
  private holder: symbol | undefined;
  private readonly waiting: Array<() => void> = [];

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.holder !== undefined && context.getStore() === this.holder) return work();
    const token = Symbol('sqlite-unit');
    await this.acquire(token);
    try {
      return await context.run(token, work);
    } finally {
      this.release();
    }
  }

  private acquire(token: symbol): Promise<void> {
    if (this.holder === undefined) {
      this.holder = token;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.holder = token;
        resolve();
      }),
    );
  }

  private release(): void {
    this.holder = undefined;
    this.waiting.shift()?.();
  }
}
