import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, MoreThan, Repository } from 'typeorm';
import type { DomainEvent, EventTopic } from './event-topics';
import { OutboxEventEntity } from './outbox-event.entity';

/** Reads committed events back from the outbox. */
@Injectable()
export class EventStore {
  constructor(@InjectRepository(OutboxEventEntity) private readonly events: Repository<OutboxEventEntity>) {}

  async maxId(): Promise<number> {
    const row = await this.events
      .createQueryBuilder('e')
      .select('MAX(e.id)', 'max')
      .getRawOne<{ max: unknown }>();
    return Number(row?.max ?? 0);
  }

  async readAfter(cursor: number, limit: number, topics?: readonly EventTopic[]): Promise<DomainEvent[]> {
    const rows = await this.events.find({
      where: { id: MoreThan(cursor), ...(topics ? { topic: In([...topics]) } : {}) },
      order: { id: 'ASC' },
      take: limit,
    });
    return rows.map(toDomainEvent);
  }
}

export function toDomainEvent(row: OutboxEventEntity): DomainEvent {
  return {
    id: Number(row.id),
    topic: row.topic as EventTopic,
    type: row.type,
    subject: row.subject,
    data: row.data,
    created_at: row.created_at,
  };
}
