import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Counter } from 'prom-client';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { SqlDialect } from '../../database/sql-dialect';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config.schema';
import { TransactionRunner } from '../../database/transaction-runner';
import { PeriodicTasks } from '../../common/periodic/periodic-tasks';
import { MetricsService } from '../../common/metrics/metrics.service';
import { EventOutbox } from '../../events/event-outbox';
import { parseDatabaseUrl } from '../../database/database-url';
import type { NewEvent } from '../../events/event-topics';
import { PredictionRecordEntity } from './prediction-record.entity';
import { RecordWriterThread } from './record-writer-thread';

export type PredictionRecord = Omit<PredictionRecordEntity, 'inputs' | 'outputs'> & {
  inputs: Record<string, unknown> | null;
  outputs: Record<string, unknown> | null;
};

/**
 * Records predictions off the request path, one record per model call (a batch is one call): the request only appends to an in-memory buffer; a periodic
 * flush (every `record_flush_ms`, or as soon as `record_flush_rows` are waiting) writes them as one
 * multi-row INSERT, together with ONE aggregate `inference` event (`predictions.recorded`: counts, errors
 * and mean latency per service and model) in the same transaction. Per-request events would flood the
 * outbox and every WebSocket client; the aggregate is what a dashboard needs. The buffer is flushed at
 * shutdown; if the database is down the rows wait, up to `record_buffer_max` (oldest dropped and counted).
 *
 * On a SQLite file the chunks are written by a worker thread with its own connection (`record_thread`):
 * SQLite executes in the calling thread, and inserting every call's record on the event loop cost about
 * as much as serving it. PostgreSQL does that work in its own processes already, and an in-memory SQLite
 * database cannot be shared with another connection: those are written inline.
 */
@Injectable()
export class PredictionRecorder implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('PredictionRecorder');
  private buffer: PredictionRecord[] = [];
  private flushing: Promise<void> | undefined;
  private readonly dropped: Counter;
  private written = 0;
  private readonly statements = new Map<number, InsertStatement>();
  /** Set up at the first write on a SQLite file (undefined: not yet; null: inline). */
  private threadWriter: ThreadWriter | null | undefined;
  /** What was written since the last `predictions.recorded` event. */
  private window = new RecordWindow();
  private closing = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
    private readonly outbox: EventOutbox,
    private readonly tasks: PeriodicTasks,
    metrics: MetricsService,
  ) {
    this.dropped = new Counter({
      name: 'artenic_prediction_records_dropped_total',
      help: 'Prediction records dropped because the buffer was full while the database lagged.',
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.tasks.register('inference.recorder', () => this.flush(), {
      intervalMs: this.config.inference.record_flush_ms,
    });
  }

  record(record: PredictionRecord): void {
    this.buffer.push(record);
    const overflow = this.buffer.length - this.config.inference.record_buffer_max;
    if (overflow > 0) {
      this.buffer.splice(0, overflow);
      this.dropped.inc(overflow);
    }
    // A full chunk is written at once; one drain at a time takes the chunks that fill up meanwhile.
    if (this.buffer.length >= this.config.inference.record_flush_rows && !this.flushing) {
      this.flushing = this.drain(false)
        .catch(() => undefined) // logged by drain; the rows wait for the next flush
        .finally(() => (this.flushing = undefined));
    }
  }

  stats(): Record<string, number | string> {
    return {
      buffered: this.buffer.length,
      written: this.written,
      // Decided at the first write.
      writer: this.threadWriter ? 'thread' : this.threadWriter === null ? 'inline' : 'pending',
    };
  }

  /** Writes everything buffered so far, and the pending window event (resolves once it is committed). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0 && this.window.calls === 0) return;
    const drained = this.drain(true);
    this.flushing = drained.then(
      () => undefined,
      () => undefined,
    );
    try {
      await drained;
    } finally {
      this.flushing = undefined;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.flush().catch((e: Error) => this.logger.error(`final flush failed: ${e.message}`));
    await this.threadWriter?.thread.close();
  }

  /**
   * `all` (a flush): writes what was buffered when it started, even nothing (which publishes a due
   * window), and returns; records arriving meanwhile wait for the next write, so a flush ends under
   * sustained traffic. Otherwise (a chunk filled up): writes full chunks while there are some.
   */
  private async drain(all: boolean): Promise<void> {
    const size = this.config.inference.record_flush_rows;
    if (!all) {
      while (this.buffer.length >= size) await this.writeChunk(this.buffer.splice(0, size));
      return;
    }
    let owed = this.buffer.length;
    do {
      const chunk = this.buffer.splice(0, Math.min(size, owed));
      await this.writeChunk(chunk);
      // The oldest records may have been dropped meanwhile (buffer over record_buffer_max).
      owed = Math.min(owed - chunk.length, this.buffer.length);
    } while (owed > 0);
  }

  private async writeChunk(chunk: PredictionRecord[]): Promise<void> {
    try {
      await this.write(chunk);
      this.written += chunk.length;
    } catch (error) {
      this.buffer.unshift(...chunk);
      this.logger.warn(`prediction records not written (${chunk.length} kept): ${(error as Error).message}`);
      throw error;
    }
  }

  /**
   * One multi-row INSERT with positional parameters. TypeORM's insert builder re-scans its parameter map
   * for every value (quadratic in the row count), which made large flushes cost more than the predictions.
   */
  private async insertRows(manager: EntityManager, chunk: PredictionRecord[]): Promise<void> {
    const statement = this.statementFor(manager, chunk.length);
    const params: unknown[] = [];
    for (const row of chunk) {
      for (const column of statement.columns) params.push(column.value(row));
    }
    await manager.query(statement.sql, params);
  }

  /** The statement for `rows` rows, built once per row count (flushes are mostly full chunks). */
  private statementFor(manager: EntityManager, rows: number): InsertStatement {
    let statement = this.statements.get(rows);
    if (!statement) {
      statement = insertStatement(manager.connection, this.dialect, rows);
      if (this.statements.size >= 16) this.statements.clear();
      this.statements.set(rows, statement);
    }
    return statement;
  }

  /**
   * Writes one chunk, with the `predictions.recorded` event when the window is due: one event per
   * `record_flush_ms` at most, however many chunks a busy gateway writes (each chunk used to carry its own,
   * and at thousands of predictions a second the relay and every consumer read dozens of events a second).
   * The event sums every chunk since the previous one and commits with the chunk that closes the window.
   */
  private async write(chunk: PredictionRecord[]): Promise<void> {
    const window = this.window.plus(chunk);
    const due =
      window.calls > 0 &&
      (this.closing || Date.now() - window.startedAt >= this.config.inference.record_flush_ms);
    const event: NewEvent | null = due
      ? { topic: 'inference', type: 'predictions.recorded', subject: null, data: { window: window.rows() } }
      : null;
    const threaded = this.writerThread();
    if (threaded) await this.writeThroughThread(threaded, chunk, event);
    else if (chunk.length > 0 || event) {
      await this.tx.run(
        async (manager) => {
          if (chunk.length > 0) await this.insertRows(manager, chunk);
          if (event) await this.outbox.append(manager, event);
        },
        undefined,
        event !== null,
      );
    }
    this.window = due ? new RecordWindow() : window;
  }

  private async writeThroughThread(
    w: ThreadWriter,
    chunk: PredictionRecord[],
    event: NewEvent | null,
  ): Promise<void> {
    if (chunk.length === 0 && !event) return;
    const rows = chunk.map((record) => w.columns.map((column) => column.value(record)));
    await w.thread.write(rows, event ? w.eventParams(event) : null);
    // The relay reads the outbox when woken; a chunk without an event has nothing for it.
    if (event) this.tx.committed();
  }

  private writerThread(): ThreadWriter | null {
    if (this.threadWriter !== undefined) return this.threadWriter;
    const target = parseDatabaseUrl(this.config.database_url);
    if (!this.config.inference.record_thread || target.kind !== 'sqlite' || target.inMemory) {
      return (this.threadWriter = null);
    }
    const statement = insertStatement(this.dataSource, this.dialect, 1);
    const event = this.outbox.insertStatement(this.dataSource);
    this.threadWriter = {
      columns: statement.columns,
      eventParams: event.params,
      thread: new RecordWriterThread({ file: target.file, recordSql: statement.sql, eventSql: event.sql }),
    };
    return this.threadWriter;
  }
}

interface ThreadWriter {
  thread: RecordWriterThread;
  columns: InsertStatement['columns'];
  eventParams: (event: NewEvent) => unknown[];
}

interface InsertStatement {
  sql: string;
  columns: Array<{ value: (row: PredictionRecord) => unknown }>;
}

/** TypeORM column types whose values both drivers bind unchanged (the rest go through the driver). */
const BOUND_AS_IS = new Set<unknown>(['varchar', 'text', 'integer', 'double precision', String, Number]);

/**
 * Columns in insert order, each with its value conversion: the driver's (so dates and JSON are written
 * the way each database expects) except for plain strings and numbers, which it would return unchanged.
 */
function insertStatement(connection: DataSource, dialect: SqlDialect, rows: number): InsertStatement {
  const meta = connection.getMetadata(PredictionRecordEntity);
  const driver = connection.driver;
  const width = meta.columns.length;
  const tuples = Array.from(
    { length: rows },
    (_, r) => `(${meta.columns.map((_c, i) => dialect.param(r * width + i + 1)).join(', ')})`,
  );
  const names = meta.columns.map((c) => `"${c.databaseName}"`).join(', ');
  const sqlite = connection.options.type === 'better-sqlite3';
  const columns = meta.columns.map((c) => {
    const key = c.propertyName as keyof PredictionRecord;
    if (sqlite && c.type === Date && !c.transformer) {
      return {
        value: (row: PredictionRecord) => {
          const v = row[key];
          return v instanceof Date ? sqliteDatetime(v) : (driver.preparePersistentValue(v, c) as unknown);
        },
      };
    }
    const asIs = !c.transformer && BOUND_AS_IS.has(c.type);
    return {
      value: asIs
        ? (row: PredictionRecord) => row[key]
        : (row: PredictionRecord) => driver.preparePersistentValue(row[key], c) as unknown,
    };
  });
  return { columns, sql: `INSERT INTO "${meta.tableName}" (${names}) VALUES ${tuples.join(', ')}` };
}

/**
 * TypeORM's SQLite datetime text (`YYYY-MM-DD HH:MM:SS.mmm`, UTC) from the ISO string in one step: its
 * DateUtils builds it from thirteen pieces, a measurable share of recording a call.
 */
export function sqliteDatetime(value: Date): string {
  const iso = value.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

interface WindowGroup {
  service: string;
  target: string;
  count: number;
  calls: number;
  errors: number;
  latency: number;
}

/** Counts, errors and latency per service and target of the records written since the last event. */
class RecordWindow {
  readonly startedAt: number;
  calls = 0;

  constructor(
    private readonly groups = new Map<string, WindowGroup>(),
    startedAt = Date.now(),
  ) {
    this.startedAt = startedAt;
    for (const g of groups.values()) this.calls += g.calls;
  }

  /** A new window: this one and `chunk` (this one is left as it was, in case the chunk is not written). */
  plus(chunk: readonly PredictionRecord[]): RecordWindow {
    const groups = new Map<string, WindowGroup>();
    for (const [key, g] of this.groups) groups.set(key, { ...g });
    for (const r of chunk) {
      const target = r.ensemble_id ? `${r.ensemble_id}@v${r.ensemble_version}` : (r.model_id ?? '');
      const key = `${r.service}\u0000${target}`;
      let g = groups.get(key);
      if (!g) {
        g = { service: r.service, target, count: 0, calls: 0, errors: 0, latency: 0 };
        groups.set(key, g);
      }
      g.count += r.batch_size;
      g.errors += r.error_code ? r.batch_size : 0;
      g.latency += r.latency_ms;
      g.calls += 1;
    }
    return new RecordWindow(groups, this.startedAt);
  }

  rows(): Array<Record<string, unknown>> {
    return [...this.groups.values()].map((g) => ({
      service: g.service,
      target: g.target,
      predictions: g.count,
      calls: g.calls,
      errors: g.errors,
      mean_latency_ms: Math.round((g.latency / g.calls) * 1000) / 1000,
    }));
  }
}
