import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Counter } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { SqlDialect } from '../../database/sql-dialect';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config.schema';
import { TransactionRunner } from '../../database/transaction-runner';
import { PeriodicTasks } from '../../common/periodic/periodic-tasks';
import { MetricsService } from '../../common/metrics/metrics.service';
import { EventOutbox } from '../../events/event-outbox';
import { PredictionRecordEntity } from './prediction-record.entity';

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
 */
@Injectable()
export class PredictionRecorder implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('PredictionRecorder');
  private buffer: PredictionRecord[] = [];
  private flushing: Promise<void> | undefined;
  private readonly dropped: Counter;
  private written = 0;
  private readonly statements = new Map<number, InsertStatement>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
    if (this.buffer.length >= this.config.inference.record_flush_rows) void this.flush();
  }

  stats(): Record<string, number> {
    return { buffered: this.buffer.length, written: this.written };
  }

  /** Writes everything buffered so far (resolves once it is committed). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flush().catch((e: Error) => this.logger.error(`final flush failed: ${e.message}`));
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const chunk = this.buffer.splice(0, this.config.inference.record_flush_rows);
      try {
        await this.write(chunk);
        this.written += chunk.length;
      } catch (error) {
        this.buffer.unshift(...chunk);
        this.logger.warn(
          `prediction records not written (${chunk.length} kept): ${(error as Error).message}`,
        );
        throw error;
      }
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
      statement = insertStatement(manager, this.dialect, rows);
      if (this.statements.size >= 16) this.statements.clear();
      this.statements.set(rows, statement);
    }
    return statement;
  }

  private write(chunk: PredictionRecord[]): Promise<void> {
    return this.tx.run(async (manager) => {
      await this.insertRows(manager, chunk);
      await this.outbox.append(manager, {
        topic: 'inference',
        type: 'predictions.recorded',
        subject: null,
        data: { window: summarize(chunk) },
      });
    });
  }
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
function insertStatement(manager: EntityManager, dialect: SqlDialect, rows: number): InsertStatement {
  const meta = manager.connection.getMetadata(PredictionRecordEntity);
  const driver = manager.connection.driver;
  const width = meta.columns.length;
  const tuples = Array.from(
    { length: rows },
    (_, r) => `(${meta.columns.map((_c, i) => dialect.param(r * width + i + 1)).join(', ')})`,
  );
  const names = meta.columns.map((c) => `"${c.databaseName}"`).join(', ');
  const columns = meta.columns.map((c) => {
    const key = c.propertyName as keyof PredictionRecord;
    const asIs = !c.transformer && BOUND_AS_IS.has(c.type);
    return {
      value: asIs
        ? (row: PredictionRecord) => row[key]
        : (row: PredictionRecord) => driver.preparePersistentValue(row[key], c) as unknown,
    };
  });
  return { columns, sql: `INSERT INTO "${meta.tableName}" (${names}) VALUES ${tuples.join(', ')}` };
}

function summarize(chunk: PredictionRecord[]): Array<Record<string, unknown>> {
  const groups = new Map<
    string,
    { service: string; target: string; count: number; calls: number; errors: number; latency: number }
  >();
  for (const r of chunk) {
    const target = r.ensemble_id ? `${r.ensemble_id}@v${r.ensemble_version}` : (r.model_id ?? '');
    const key = `${r.service}\u0000${target}`;
    const g = groups.get(key) ?? { service: r.service, target, count: 0, calls: 0, errors: 0, latency: 0 };
    g.count += r.batch_size;
    g.errors += r.error_code ? r.batch_size : 0;
    g.latency += r.latency_ms;
    g.calls += 1;
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({
    service: g.service,
    target: g.target,
    predictions: g.count,
    calls: g.calls,
    errors: g.errors,
    mean_latency_ms: Math.round((g.latency / g.calls) * 1000) / 1000,
  }));
}
