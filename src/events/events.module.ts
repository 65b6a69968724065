import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DurableConsumers } from './durable-consumers';
import { EventOutbox } from './event-outbox';
import { EventRelay } from './event-relay';
import { EventRetention } from './event-retention';
import { EventStore } from './event-store';
import { EventsGateway } from './events.gateway';
import { OutboxEventEntity } from './outbox-event.entity';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([OutboxEventEntity])],
  providers: [EventOutbox, EventStore, EventRelay, DurableConsumers, EventRetention, EventsGateway],
  exports: [EventOutbox, EventStore, EventRelay, DurableConsumers, EventsGateway],
})
export class EventsModule {}
