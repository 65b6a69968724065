import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

@Entity({ name: 'events' })
export class OutboxEventEntity {
  /** bigint on PostgreSQL: read it through Number() (toDomainEvent does). */
  @PrimaryGeneratedColumn('increment')
  id!: number | string;

  @Column({ type: 'varchar', length: 32 })
  topic!: string;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  subject!: string | null;

  @JsonColumn()
  data!: Record<string, unknown>;

  @TimestampColumn()
  created_at!: Date;
}
