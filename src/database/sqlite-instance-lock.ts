import Database from 'better-sqlite3';

/**
 * One platform process per SQLite file, without holding the database itself in exclusive locking mode
 * (which would keep out the prediction-record writer thread's own connection). The lock is a tiny SQLite
 * database beside it, `<file>.lock`, held in exclusive locking mode: a second process (or a second
 * application in this one) gets SQLITE_BUSY at once, and the operating system drops the lock with the
 * process however it ends. Returns the function that releases it.
 */
export function holdSqliteInstanceLock(file: string): () => void {
  const guard = new Database(`${file}.lock`);
  try {
    guard.pragma('busy_timeout = 0');
    guard.pragma('locking_mode = EXCLUSIVE');
    guard.exec('BEGIN EXCLUSIVE; COMMIT;');
  } catch (error) {
    guard.close();
    throw error;
  }
  return () => {
    if (guard.open) guard.close();
  };
}
