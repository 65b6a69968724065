import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { SecretBox } from '../config/secret-box';
import { PeriodicTasks } from '../common/periodic/periodic-tasks';
import { SqlDialect } from '../database/sql-dialect';
import { backoffSeconds } from './webhook-backoff';
import { WebhookSender, type SendResult } from './webhook-sender';
import { signedHeaders } from './webhook-signing';
import { secretContext } from './webhook-secret-context';

export const DELIVERY_TASK = 'webhooks.delivery';

interface ClaimedDelivery {
  id: string;
  lease_token: number;
  attempts: number;
  max_attempts: number;
  topic: string;
  event_type: string;
  subject: string | null;
  event_id: number;
  body: string;
  url: string;
  secret_sealed: string;
  subscription_id: string;
}

export interface DeliveredNotice {
  delivery_id: string;
  subscription_id: string;
  event_id: number;
  topic: string;
  event_type: string;
  subject: string | null;
}

/**
 * Sends due deliveries. Work is claimed with a lease and a fencing token (DESIGN §6) so replicas share it
 * and a stalled sender cannot record a stale result; the HTTP call happens outside any transaction.
 */
@Injectable()
export class WebhookDeliveryPoller implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhookDelivery');
  private readonly deliveredListeners: Array<(notice: DeliveredNotice) => Promise<void>> = [];
  private wakeScheduled = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dialect: SqlDialect,
    private readonly tasks: PeriodicTasks,
    private readonly sender: WebhookSender,
    private readonly secrets: SecretBox,
  ) {}

  onApplicationBootstrap(): void {
    const sendTimeoutMs = this.config.webhook.timeout_seconds * 1000;
    this.tasks.register(DELIVERY_TASK, () => this.tick(), {
      intervalMs: this.config.webhook.poll_interval_ms,
      timeoutMs: Math.max(30_000, sendTimeoutMs * 3),
    });
  }

  /** Called after a delivery succeeded (e.g. budgets mark their alert as sent). Must not throw. */
  onDelivered(listener: (notice: DeliveredNotice) => Promise<void>): void {
    this.deliveredListeners.push(listener);
  }

  /** Asks for a tick soon (new or redelivered work); bursts coalesce into one. */
  wake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      void this.tasks.runNow(DELIVERY_TASK).catch(() => undefined);
    });
  }

  /** Claims and sends batches until nothing is due; returns the number of attempts made. */
  async tick(): Promise<number> {
    let attempts = 0;
    for (let round = 0; round < 10; round += 1) {
      const claimed = await this.claim();
      if (claimed.length === 0) break;
      await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      attempts += claimed.length;
    }
    return attempts;
  }

  private async claim(): Promise<ClaimedDelivery[]> {
    const p = (n: number) => this.dialect.param(n);
    const now = this.dialect.now;
    const claimed = this.dialect.rows<{ id: string; lease_token: unknown }>(
      await this.dataSource.query(
        `UPDATE webhook_deliveries
            SET lease_owner = ${p(1)}, lease_expires_at = ${this.dialect.nowPlusSeconds(p(2))},
                lease_token = lease_token + 1
          WHERE id IN (
            SELECT id FROM webhook_deliveries
             WHERE status = 'pending' AND next_attempt_at <= ${now}
               AND (lease_expires_at IS NULL OR lease_expires_at < ${now})
             ORDER BY next_attempt_at
             LIMIT ${p(3)} ${this.dialect.forUpdateSkipLocked})
          RETURNING id, lease_token`,
        [this.config.instance_id, this.config.webhook.lease_seconds, this.config.webhook.batch_size],
      ),
    );
    if (claimed.length === 0) return [];
    const tokens = new Map(claimed.map((c) => [c.id, Number(c.lease_token)]));
    const ids = [...tokens.keys()];
    const rows: Array<Omit<ClaimedDelivery, 'lease_token'>> = await this.dataSource.query(
      `SELECT d.id, d.attempts, d.max_attempts, d.topic, d.event_type, d.subject, d.event_id, d.body,
              d.subscription_id, s.url, s.secret_sealed
         FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
        WHERE d.id IN (${ids.map((_, i) => p(i + 1)).join(', ')})`,
      ids,
    );
    return rows.map((r) => ({
      ...r,
      attempts: Number(r.attempts),
      max_attempts: Number(r.max_attempts),
      event_id: Number(r.event_id),
      lease_token: tokens.get(r.id) ?? -1,
    }));
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    let result: SendResult;
    try {
      const secret = this.secrets.open(delivery.secret_sealed, secretContext(delivery.subscription_id));
      const timestamp = Math.floor(Date.now() / 1000);
      const headers = signedHeaders(secret, delivery, delivery.body, timestamp);
      result = await this.sender.send(delivery.url, { ...headers }, delivery.body);
    } catch (error) {
      result = { ok: false, status_code: null, error: `not sent: ${(error as Error).message}` };
    }
    const recorded = result.ok
      ? await this.recordSuccess(delivery, result)
      : await this.recordFailure(delivery, result);
    if (!recorded) {
      this.logger.warn(`delivery ${delivery.id}: lease lost, result discarded`);
      return;
    }
    if (result.ok) await this.notifyDelivered(delivery);
  }

  private async recordSuccess(delivery: ClaimedDelivery, result: SendResult): Promise<boolean> {
    const p = (n: number) => this.dialect.param(n);
    const now = this.dialect.now;
    const rows = this.dialect.rows(
      await this.dataSource.query(
        `UPDATE webhook_deliveries
            SET status = 'delivered', attempts = attempts + 1, last_attempt_at = ${now}, delivered_at = ${now},
                last_status_code = ${p(1)}, last_error = NULL, lease_owner = NULL, lease_expires_at = NULL
          WHERE id = ${p(2)} AND lease_token = ${p(3)} AND status = 'pending'
          RETURNING id`,
        [result.status_code, delivery.id, delivery.lease_token],
      ),
    );
    return rows.length === 1;
  }

  private async recordFailure(delivery: ClaimedDelivery, result: SendResult): Promise<boolean> {
    const p = (n: number) => this.dialect.param(n);
    const now = this.dialect.now;
    const attempts = delivery.attempts + 1;
    const dead = attempts >= delivery.max_attempts;
    const { backoff_base_seconds: base, backoff_max_seconds: max } = this.config.webhook;
    const rows = this.dialect.rows(
      await this.dataSource.query(
        `UPDATE webhook_deliveries
            SET status = ${p(1)}, attempts = attempts + 1, last_attempt_at = ${now},
                next_attempt_at = ${this.dialect.nowPlusSeconds(p(2))},
                last_status_code = ${p(3)}, last_error = ${p(4)}, lease_owner = NULL, lease_expires_at = NULL
          WHERE id = ${p(5)} AND lease_token = ${p(6)} AND status = 'pending'
          RETURNING id`,
        [
          dead ? 'dead_letter' : 'pending',
          dead ? 0 : backoffSeconds(attempts, base, max),
          result.status_code,
          result.error,
          delivery.id,
          delivery.lease_token,
        ],
      ),
    );
    if (rows.length === 1 && dead) {
      this.logger.warn(
        `delivery ${delivery.id} dead-lettered after ${attempts} attempts: ${result.error ?? ''}`,
      );
    }
    return rows.length === 1;
  }

  private async notifyDelivered(delivery: ClaimedDelivery): Promise<void> {
    const notice: DeliveredNotice = {
      delivery_id: delivery.id,
      subscription_id: delivery.subscription_id,
      event_id: delivery.event_id,
      topic: delivery.topic,
      event_type: delivery.event_type,
      subject: delivery.subject,
    };
    for (const listener of this.deliveredListeners) {
      await listener(notice).catch((error: unknown) =>
        this.logger.warn(`delivered listener failed for ${delivery.id}: ${(error as Error).message}`),
      );
    }
  }
}
