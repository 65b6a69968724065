import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { DurableConsumers } from '../events/durable-consumers';
import { EVENT_TOPICS, type DomainEvent } from '../events/event-topics';
import { SqlDialect } from '../database/sql-dialect';
import { TransactionRunner } from '../database/transaction-runner';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookDeliveryPoller } from './webhook-delivery.poller';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

export const FANOUT_CONSUMER = 'webhooks.fanout';

/** The JSON body receivers get; fixed once per delivery so that every retry sends identical bytes. */
export function deliveryBody(event: DomainEvent): string {
  return JSON.stringify({
    event_id: event.id,
    topic: event.topic,
    type: event.type,
    subject: event.subject,
    timestamp: event.created_at.toISOString(),
    data: event.data,
  });
}

/**
 * Turns committed outbox events into persisted deliveries, one per matching subscription, before anything
 * is sent. The consumer is at-least-once; the unique (subscription, event) key makes a replay a no-op.
 */
@Injectable()
export class WebhookFanout implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(WebhookSubscriptionEntity)
    private readonly subscriptions: Repository<WebhookSubscriptionEntity>,
    private readonly consumers: DurableConsumers,
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
    private readonly poller: WebhookDeliveryPoller,
  ) {}

  onApplicationBootstrap(): void {
    this.consumers.register(
      FANOUT_CONSUMER,
      { topics: EVENT_TOPICS, startAt: 'end', intervalMs: this.config.webhook.poll_interval_ms },
      async (events) => {
        await this.fanOut(events);
      },
    );
  }

  async fanOut(events: DomainEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const subscriptions = await this.subscriptions.find({ where: { enabled: true } });
    const rows: Array<QueryDeepPartialEntity<WebhookDeliveryEntity>> = [];
    for (const event of events) {
      const body = deliveryBody(event);
      for (const s of subscriptions) {
        // A subscription receives what happened after it was created, not a backlog.
        if (event.created_at < s.created_at) continue;
        if (!s.topics.includes(event.topic) && !s.event_types.includes(event.type)) continue;
        rows.push(this.newDelivery(s.id, event, body));
      }
    }
    if (rows.length === 0) return 0;
    await this.tx.run(async (manager) => {
      for (let i = 0; i < rows.length; i += 100) {
        await manager
          .createQueryBuilder()
          .insert()
          .into(WebhookDeliveryEntity)
          .values(rows.slice(i, i + 100))
          .orIgnore()
          .execute();
      }
    });
    this.poller.wake();
    return rows.length;
  }

  private newDelivery(
    subscriptionId: string,
    event: DomainEvent,
    body: string,
  ): QueryDeepPartialEntity<WebhookDeliveryEntity> {
    return {
      id: randomUUID(),
      subscription_id: subscriptionId,
      event_id: event.id,
      topic: event.topic,
      event_type: event.type,
      subject: event.subject,
      body,
      status: 'pending',
      attempts: 0,
      max_attempts: this.config.webhook.retry_count + 1,
      redeliveries: 0,
      lease_token: 0,
      next_attempt_at: () => this.dialect.now,
      created_at: () => this.dialect.now,
    };
  }
}
