import { Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn, TimestampColumn } from '../database/columns';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead_letter'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One event for one subscription; its id is the `webhook-id` receivers de-duplicate on. */
@Entity({ name: 'webhook_deliveries' })
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 36 })
  subscription_id!: string;

  @BigIntColumn()
  event_id!: number;

  @Column({ type: 'varchar', length: 32 })
  topic!: string;

  @Column({ type: 'varchar', length: 64 })
  event_type!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  subject!: string | null;

  /** The exact bytes sent and signed, fixed when the delivery is created so every retry is identical. */
  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: DeliveryStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ type: 'integer' })
  max_attempts!: number;

  @Column({ type: 'integer' })
  redeliveries!: number;

  @TimestampColumn()
  next_attempt_at!: Date;

  @TimestampColumn({ nullable: true })
  last_attempt_at!: Date | null;

  @Column({ type: 'integer', nullable: true })
  last_status_code!: number | null;

  @Column({ type: 'text', nullable: true })
  last_error!: string | null;

  @TimestampColumn({ nullable: true })
  delivered_at!: Date | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  lease_owner!: string | null;

  @TimestampColumn({ nullable: true })
  lease_expires_at!: Date | null;

  @BigIntColumn()
  lease_token!: number;

  @TimestampColumn()
  created_at!: Date;
}
