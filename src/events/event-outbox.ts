import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { TransactionRunner } from '../database/transaction-runner';
import { SqlDialect } from '../database/sql-dialect';
import type { NewEvent } from './event-topics';
import { OutboxEventEntity } from './outbox-event.entity';

/**
 * Writes events into the outbox table inside the caller's transaction, so an event exists if and only if
 * the change it describes committed. The relay publishes it after commit (on PostgreSQL a trigger issues
 * NOTIFY, which is delivered at commit).
 */
@Injectable()
export class EventOutbox {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
  ) {}

  async append(manager: EntityManager, ...events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await manager
      .createQueryBuilder()
      .insert()
      .into(OutboxEventEntity)
      .values(
        events.map((e) => ({
          topic: e.topic,
          type: e.type,
          subject: e.subject ?? null,
          data: e.data,
          created_at: () => this.dialect.now,
        })) as Array<QueryDeepPartialEntity<OutboxEventEntity>>,
      )
      .execute();
  }

  /**
   * The outbox INSERT for a writer outside TypeORM (the prediction-record writer thread): SQL with
   * positional parameters, and the parameters of one event, converted as TypeORM would write them.
   */
  rawInsert(connection: DataSource): { sql: string; params: (event: NewEvent) => unknown[] } {
    const meta = connection.getMetadata(OutboxEventEntity);
    const driver = connection.driver;
    const column = (name: string) => meta.findColumnWithPropertyName(name)!;
    const [topic, type, subject, data] = ['topic', 'type', 'subject', 'data'].map(column) as [
      ColumnMetadata,
      ColumnMetadata,
      ColumnMetadata,
      ColumnMetadata,
    ];
    const names = [topic, type, subject, data, column('created_at')].map((c) => `"${c.databaseName}"`);
    const values = [1, 2, 3, 4].map((i) => this.dialect.param(i));
    return {
      sql: `INSERT INTO "${meta.tableName}" (${names.join(', ')}) VALUES (${values.join(', ')}, ${this.dialect.now})`,
      params: (e) => [
        e.topic,
        e.type,
        e.subject ?? null,
        driver.preparePersistentValue(e.data, data) as unknown,
      ],
    };
  }

  /** Publishes events that accompany no other change, in a transaction of their own. */
  async publish(...events: NewEvent[]): Promise<void> {
    await this.tx.run((manager) => this.append(manager, ...events));
  }
}
