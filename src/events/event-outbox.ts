import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { TransactionRunner } from '../database/transaction-runner';
import { SqlDialect } from '../database/sql-dialect';
import type { NewEvent } from './event-topics';
import { OutboxEventEntity } from './outbox-event.entity';

export interface OutboxInsert {
  sql: string;
  params: (event: NewEvent) => unknown[];
}

/**
 * Writes events into the outbox table inside the caller's transaction, so an event exists if and only if
 * the change it describes committed. The relay publishes it after commit (on PostgreSQL a trigger issues
 * NOTIFY, which is delivered at commit).
 */
@Injectable()
export class EventOutbox {
  private insert: OutboxInsert | undefined;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
  ) {}

  async append(manager: EntityManager, ...events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    const insert = this.insertStatement(manager.connection);
    for (const e of events) await manager.query(insert.sql, insert.params(e));
  }

  /**
   * One event's INSERT, positional parameters converted as TypeORM writes them: `append` uses it, and so
   * does the prediction-record writer thread, which writes outside TypeORM.
   */
  insertStatement(connection: DataSource): OutboxInsert {
    if (this.insert) return this.insert;
    const meta = connection.getMetadata(OutboxEventEntity);
    const column = (name: string) => meta.findColumnWithPropertyName(name)!;
    const names = ['topic', 'type', 'subject', 'data', 'created_at'].map(
      (n) => `"${column(n).databaseName}"`,
    );
    const p = (i: number) => this.dialect.param(i);
    const data = column('data');
    this.insert = {
      sql: `INSERT INTO "${meta.tableName}" (${names.join(', ')}) VALUES (${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}, ${this.dialect.now})`,
      params: (e) => [
        e.topic,
        e.type,
        e.subject ?? null,
        connection.driver.preparePersistentValue(e.data, data) as unknown,
      ],
    };
    return this.insert;
  }

  /** Publishes events that accompany no other change, in a transaction of their own. */
  async publish(...events: NewEvent[]): Promise<void> {
    await this.tx.run((manager) => this.append(manager, ...events));
  }
}
