import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import type { WebhookSubscriptionEntity } from './webhook-subscription.entity';
import type { WebhookDeliveryView, WebhookView } from './webhooks.dto';

export function toWebhookView(row: WebhookSubscriptionEntity): WebhookView {
  return {
    id: row.id,
    url: row.url,
    topics: row.topics,
    event_types: row.event_types,
    description: row.description,
    enabled: row.enabled,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
  };
}

export function toDeliveryView(row: WebhookDeliveryEntity): WebhookDeliveryView {
  return {
    id: row.id,
    subscription_id: row.subscription_id,
    event_id: row.event_id,
    topic: row.topic,
    event_type: row.event_type,
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    redeliveries: row.redeliveries,
    next_attempt_at: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    last_attempt_at: row.last_attempt_at?.toISOString() ?? null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    delivered_at: row.delivered_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}
