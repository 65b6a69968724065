import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { SecretBox } from '../config/secret-box';
import { invalid, notFound } from '../common/errors/domain-error';
import { SqlDialect } from '../database/sql-dialect';
import { WebhookDeliveryEntity, type DeliveryStatus } from './webhook-delivery.entity';
import { WebhookDeliveryPoller } from './webhook-delivery.poller';
import { secretContext } from './webhook-secret-context';
import { generateWebhookSecret } from './webhook-signing';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';
import { checkTargetForRegistration } from './webhook-target-guard';
import { toDeliveryView, toWebhookView } from './webhook.mapper';
import type {
  CreateWebhookRequest,
  CreatedWebhookView,
  WebhookDeliveryView,
  WebhookView,
} from './webhooks.dto';

/** Subscriptions (register, list, remove) and the operator's view of their deliveries. */
@Injectable()
export class WebhookSubscriptions {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(WebhookSubscriptionEntity)
    private readonly subscriptions: Repository<WebhookSubscriptionEntity>,
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
    private readonly secrets: SecretBox,
    private readonly dialect: SqlDialect,
    private readonly poller: WebhookDeliveryPoller,
  ) {}

  async create(request: CreateWebhookRequest, actor: string): Promise<CreatedWebhookView> {
    const topics = [...new Set(request.topics ?? [])];
    const eventTypes = [...new Set(request.event_types ?? [])];
    if (topics.length === 0 && eventTypes.length === 0) {
      throw invalid('WEBHOOK_NOTHING_SUBSCRIBED', 'Give at least one of topics or event_types.', {
        fields: ['topics', 'event_types'],
      });
    }
    const url = await checkTargetForRegistration(request.url, this.config.webhook.allow_private_targets);
    const id = randomUUID();
    const secret = generateWebhookSecret();
    const row = this.subscriptions.create({
      id,
      url: url.toString(),
      topics,
      event_types: eventTypes,
      description: request.description ?? null,
      secret_sealed: this.secrets.seal(secret, secretContext(id)),
      enabled: request.enabled ?? true,
      created_by: actor,
      created_at: await this.dialect.clock(),
    });
    await this.subscriptions.insert(row);
    return { ...toWebhookView(row), secret };
  }

  async list(limit = 50, offset = 0): Promise<WebhookView[]> {
    const rows = await this.subscriptions.find({
      order: { created_at: 'DESC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
    return rows.map(toWebhookView);
  }

  async get(id: string): Promise<WebhookView> {
    return toWebhookView(await this.find(id));
  }

  /** Removes the subscription; its deliveries go with it (pending ones are never sent). */
  async remove(id: string): Promise<void> {
    await this.find(id);
    await this.deliveries.delete({ subscription_id: id });
    await this.subscriptions.delete({ id });
  }

  async listDeliveries(
    id: string,
    filter: { status?: DeliveryStatus; limit?: number; offset?: number },
  ): Promise<WebhookDeliveryView[]> {
    await this.find(id);
    const rows = await this.deliveries.find({
      where: { subscription_id: id, ...(filter.status ? { status: filter.status } : {}) },
      order: { created_at: 'DESC', event_id: 'DESC' },
      take: filter.limit ?? 50,
      skip: filter.offset ?? 0,
    });
    return rows.map(toDeliveryView);
  }

  /**
   * Queues a delivery again with a fresh attempt budget, whatever its state. Bumping the lease token fences
   * a send still in flight, so its late result cannot overwrite the redelivery.
   */
  async redeliver(id: string, deliveryId: string): Promise<WebhookDeliveryView> {
    await this.find(id);
    const p = (n: number) => this.dialect.param(n);
    const rows = this.dialect.rows<{ id: string }>(
      await this.deliveries.query(
        `UPDATE webhook_deliveries
            SET status = 'pending', attempts = 0, max_attempts = ${p(1)}, redeliveries = redeliveries + 1,
                next_attempt_at = ${this.dialect.now}, lease_owner = NULL, lease_expires_at = NULL,
                lease_token = lease_token + 1, last_error = NULL
          WHERE id = ${p(2)} AND subscription_id = ${p(3)}
          RETURNING id`,
        [this.config.webhook.retry_count + 1, deliveryId, id],
      ),
    );
    if (rows.length === 0) {
      throw notFound('WEBHOOK_DELIVERY_NOT_FOUND', `Delivery ${deliveryId} of webhook ${id} not found.`, {
        webhook_id: id,
        delivery_id: deliveryId,
      });
    }
    this.poller.wake();
    return toDeliveryView(await this.deliveries.findOneByOrFail({ id: deliveryId }));
  }

  private async find(id: string): Promise<WebhookSubscriptionEntity> {
    const row = await this.subscriptions.findOneBy({ id });
    if (!row) throw notFound('WEBHOOK_NOT_FOUND', `Webhook ${id} not found.`, { webhook_id: id });
    return row;
  }
}
