import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
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

  /** Publishes events that accompany no other change, in a transaction of their own. */
  async publish(...events: NewEvent[]): Promise<void> {
    await this.tx.run((manager) => this.append(manager, ...events));
  }
}
