import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { SqlDialect } from '../database/sql-dialect';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';
import { EventRelay } from './event-relay';
import { EventStore } from './event-store';
import { GapCursor } from './gap-cursor';
import type { DomainEvent, EventTopic } from './event-topics';

export interface ConsumerOptions {
  topics: readonly EventTopic[];
  /** Where a consumer seen for the first time starts: every stored event, or only new ones. */
  startAt: 'beginning' | 'end';
  batchSize?: number;
  intervalMs?: number;
}

const LEASE_SECONDS = 30;

/**
 * At-least-once consumers of the outbox with a persisted cursor (MLflow sync, webhook fan-out). One
 * replica at a time holds a consumer's lease; every cursor write is fenced by the lease token, so a
 * replica that lost its lease cannot move the cursor. Handlers must tolerate seeing an event twice.
 */
@Injectable()
export class DurableConsumers {
  private readonly logger = new Logger('DurableConsumers');
  private readonly cursors = new Map<string, GapCursor>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dialect: SqlDialect,
    private readonly store: EventStore,
    private readonly relay: EventRelay,
    private readonly tasks: PeriodicTasks,
  ) {}

  register(name: string, options: ConsumerOptions, handler: (events: DomainEvent[]) => Promise<void>): void {
    const taskName = `consumer.${name}`;
    this.tasks.register(taskName, () => this.tick(name, options, handler), {
      intervalMs: options.intervalMs ?? 2000,
      runOnStart: true,
    });
    let scheduled = false;
    this.relay.subscribe(options.topics, () => {
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        void this.tasks.runNow(taskName).catch(() => undefined);
      });
    });
  }

  /** Processes everything available for one consumer; returns the number of events handled. */
  async tick(
    name: string,
    options: ConsumerOptions,
    handler: (events: DomainEvent[]) => Promise<void>,
  ): Promise<number> {
    const lease = await this.claim(name, options.startAt);
    if (!lease) return 0;
    let cursor = this.cursors.get(name);
    if (!cursor || cursor.position !== lease.cursor) {
      cursor = new GapCursor(lease.cursor, this.config.events.gap_grace_ms);
      this.cursors.set(name, cursor);
    }
    let handled = 0;
    for (;;) {
      const rows = await this.readAfter(cursor.position, options);
      const before = cursor.position;
      const ready = cursor.advance(rows);
      if (cursor.position === before) break;
      if (ready.length > 0) {
        await handler(ready.filter((e) => options.topics.includes(e.topic)));
        handled += ready.length;
      }
      if (!(await this.saveCursor(name, cursor.position, lease.token))) {
        this.logger.warn(`${name}: lease lost, stopping this pass`);
        this.cursors.delete(name);
        break;
      }
      if (rows.length < (options.batchSize ?? 200)) break;
    }
    return handled;
  }

  /** Events after `cursor` on any topic: the gap logic needs every id, not only this consumer's topics. */
  private readAfter(cursor: number, options: ConsumerOptions): Promise<DomainEvent[]> {
    return this.store.readAfter(cursor, options.batchSize ?? 200);
  }

  private async claim(
    name: string,
    startAt: ConsumerOptions['startAt'],
  ): Promise<{ cursor: number; token: number } | undefined> {
    const p = (n: number) => this.dialect.param(n);
    const initial = startAt === 'end' ? await this.store.maxId() : 0;
    await this.dataSource.query(
      `INSERT INTO event_consumers (name, cursor, lease_token) VALUES (${p(1)}, ${p(2)}, 0) ON CONFLICT (name) DO NOTHING`,
      [name, initial],
    );
    const rows = await this.returning<{ cursor: unknown; lease_token: unknown }>(
      `UPDATE event_consumers
         SET lease_owner = ${p(1)}, lease_expires_at = ${this.dialect.nowPlusSeconds(p(2))},
             lease_token = lease_token + 1, updated_at = ${this.dialect.now}
       WHERE name = ${p(3)}
         AND (lease_owner = ${p(4)} OR lease_owner IS NULL OR lease_expires_at < ${this.dialect.now})
       RETURNING cursor, lease_token`,
      [this.config.instance_id, LEASE_SECONDS, name, this.config.instance_id],
    );
    const row = rows[0];
    return row ? { cursor: Number(row.cursor), token: Number(row.lease_token) } : undefined;
  }

  private async saveCursor(name: string, position: number, token: number): Promise<boolean> {
    const p = (n: number) => this.dialect.param(n);
    const rows = await this.returning(
      `UPDATE event_consumers SET cursor = ${p(1)}, updated_at = ${this.dialect.now}
       WHERE name = ${p(2)} AND lease_token = ${p(3)} RETURNING name`,
      [position, name, token],
    );
    return rows.length === 1;
  }

  private async returning<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.dialect.rows<T>(await this.dataSource.query(sql, params));
  }
}
