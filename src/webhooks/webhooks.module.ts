import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretBoxModule } from '../config/secret-box';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookDeliveryPoller } from './webhook-delivery.poller';
import { WebhookFanout } from './webhook-fanout';
import { WebhookSender } from './webhook-sender';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';
import { WebhookSubscriptions } from './webhook-subscriptions.service';
import { WebhooksController } from './webhooks.controller';

/**
 * Outgoing webhooks for every domain: events reach subscribers through the outbox (fan-out consumer), are
 * persisted as deliveries, then sent, signed, retried with backoff and dead-lettered by a leased poller.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookSubscriptionEntity, WebhookDeliveryEntity]), SecretBoxModule],
  controllers: [WebhooksController],
  providers: [WebhookSubscriptions, WebhookSender, WebhookDeliveryPoller, WebhookFanout],
  exports: [WebhookSubscriptions, WebhookDeliveryPoller],
})
export class WebhooksModule {}
