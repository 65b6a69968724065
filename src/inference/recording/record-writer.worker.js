'use strict';
/*
 * The prediction-record writer thread, for a SQLite database file (see record-writer-thread.ts). SQLite
 * runs in the calling thread: inserting the records of a busy gateway on the event loop cost more than
 * the predictions themselves. Here they go through a connection of this thread's own, one transaction per
 * chunk with its `predictions.recorded` outbox event, as the inline writer does on PostgreSQL and
 * in-memory databases.
 *
 * workerData: { driver: path of better-sqlite3, file, recordSql (one row), eventSql }.
 * Messages in:  { type: 'write', id, rows: unknown[][], event: unknown[] | null } | { type: 'close' }.
 * Messages out: { id, ok: true } | { id, ok: false, message, code }.
 */
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);

const db = new Database(workerData.file);
// Per-connection settings, as the main connection's (WAL itself is a property of the file).
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const insertRecord = db.prepare(workerData.recordSql);
const insertEvent = db.prepare(workerData.eventSql);
const write = db.transaction((rows, event) => {
  for (const row of rows) insertRecord.run(row);
  if (event) insertEvent.run(event);
});

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    write(message.rows, message.event);
    parentPort.postMessage({ id: message.id, ok: true });
  } catch (error) {
    parentPort.postMessage({ id: message.id, ok: false, message: error.message, code: error.code });
  }
});
