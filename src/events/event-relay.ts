import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { TransactionRunner } from '../database/transaction-runner';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';
import { EVENTS_CHANNEL } from '../database/migrations/1764230400000-foundation';
import { parseDatabaseUrl } from '../database/database-url';
import { EventStore } from './event-store';
import { GapCursor } from './gap-cursor';
import type { DomainEvent, EventTopic } from './event-topics';

export type EventHandler = (event: DomainEvent) => void;

interface Subscription {
  topics: ReadonlySet<EventTopic> | undefined;
  handler: EventHandler;
}

const BATCH = 500;

/**
 * Publishes committed outbox events, in id order and once each, to in-process subscribers (the WebSocket
 * gateway, caches). It is woken after every local commit and, on PostgreSQL, by LISTEN/NOTIFY from any
 * replica; a slow fallback poll covers lost notifications.
 */
@Injectable()
export class EventRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventRelay');
  private readonly subscriptions = new Set<Subscription>();
  private cursor = new GapCursor(0, 0);
  private started = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private listener: Client | undefined;
  private listening = false;
  private stopping = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private delivered = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly tx: TransactionRunner,
    private readonly tasks: PeriodicTasks,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.cursor = new GapCursor(await this.store.maxId(), this.config.events.gap_grace_ms);
    this.started = true;
    this.tx.onAfterCommit(() => this.wake());
    this.tasks.register('events.relay', () => this.pump(), {
      intervalMs: this.config.events.poll_interval_ms,
    });
    if (this.dataSource.options.type === 'postgres') await this.listen();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => undefined);
    await this.pumping;
  }

  /** The id of the last event published in order; replays up to here come from the database. */
  get position(): number {
    return this.cursor.position;
  }

  status(): Record<string, unknown> {
    return {
      cursor: this.cursor.position,
      delivered: this.delivered,
      subscribers: this.subscriptions.size,
      waiting_on_gap: this.cursor.waiting,
      notifications:
        this.dataSource.options.type === 'postgres' ? (this.listening ? 'listening' : 'down') : 'local',
    };
  }

  subscribe(topics: readonly EventTopic[] | undefined, handler: EventHandler): () => void {
    const subscription: Subscription = { topics: topics ? new Set(topics) : undefined, handler };
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  /** Asks for a pump soon; coalesces bursts of commits into one read. */
  wake(): void {
    if (!this.started || this.stopping) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    void this.pump();
  }

  /** Reads and publishes everything committed since the cursor; resolves when caught up. */
  pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = this.drain()
      .catch((error: unknown) => this.logger.warn(`relay read failed: ${(error as Error).message}`))
      .finally(() => {
        this.pumping = undefined;
        if (this.again && !this.stopping) {
          this.again = false;
          void this.pump();
        }
      });
    return this.pumping;
  }

  private async drain(): Promise<void> {
    for (;;) {
      this.again = false;
      const rows = await this.store.readAfter(this.cursor.position, BATCH);
      const ready = this.cursor.advance(rows);
      for (const event of ready) this.dispatch(event);
      if (rows.length < BATCH || ready.length < rows.length) {
        // Waiting on a gap: look again once the grace period may have passed.
        if (this.cursor.waiting)
          setTimeout(() => this.wake(), Math.min(250, this.config.events.gap_grace_ms)).unref();
        return;
      }
    }
  }

  private dispatch(event: DomainEvent): void {
    this.delivered += 1;
    for (const s of this.subscriptions) {
      if (s.topics && !s.topics.has(event.topic)) continue;
      try {
        s.handler(event);
      } catch (error) {
        this.logger.error(`subscriber failed on event ${event.id}: ${(error as Error).message}`);
      }
    }
  }

  private async listen(): Promise<void> {
    const target = parseDatabaseUrl(this.config.database_url);
    if (target.kind !== 'postgres') return;
    const client = new Client({
      connectionString: target.url,
      connectionTimeoutMillis: 3000,
      keepAlive: true,
    });
    const retry = () => {
      this.listening = false;
      if (this.stopping || this.listener !== client) return;
      this.listener = undefined;
      client.removeAllListeners();
      // A dying connection can still emit errors (e.g. 57P01 at a server shutdown): without a listener,
      // an 'error' event would crash the process.
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      this.reconnectTimer = setTimeout(() => void this.listen(), 1000);
      this.reconnectTimer.unref();
    };
    this.listener = client;
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => this.wake());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      this.listening = true;
      this.wake(); // anything committed while we were not listening
    } catch (error) {
      this.logger.warn(`LISTEN failed, retrying: ${(error as Error).message}`);
      retry();
    }
  }
}
