import { Column, Entity, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

@Entity({ name: 'webhook_subscriptions' })
export class WebhookSubscriptionEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** Topics whose every event is delivered (empty: none by topic). */
  @JsonColumn()
  topics!: string[];

  /** Exact event types delivered whatever their topic (empty: none by type). */
  @JsonColumn()
  event_types!: string[];

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  /** The signing secret, encrypted with the platform's SecretBox; shown in clear only at creation. */
  @Column({ type: 'text' })
  secret_sealed!: string;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'varchar', length: 200 })
  created_by!: string;

  @TimestampColumn()
  created_at!: Date;
}
