import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DurableConsumers } from '../events/durable-consumers';
import type { DomainEvent } from '../events/event-topics';
import { LIFECYCLE_EVENTS } from '../registry/registry.events';
import { REFERENCE_ARTIFACT } from './drift-reference';
import { ModelMonitors } from './model-monitors.service';

export const MONITORING_CONSUMER = 'monitoring.lifecycle';

/**
 * Follows the registry's lifecycle topic (durably: a promotion made while this replica was down is still
 * seen): a promotion to production restarts the version's traffic reference, a new `reference.json`
 * artifact replaces it. Handlers are idempotent (redelivery is possible).
 */
@Injectable()
export class MonitoringLifecycleConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: DurableConsumers,
    private readonly monitors: ModelMonitors,
  ) {}

  onModuleInit(): void {
    this.consumers.register(MONITORING_CONSUMER, { topics: ['lifecycle'], startAt: 'beginning' }, (events) =>
      this.handle(events),
    );
  }

  async handle(events: DomainEvent[]): Promise<void> {
    for (const event of events) {
      const modelId = typeof event.data.model_id === 'string' ? event.data.model_id : null;
      if (!modelId) continue;
      if (event.type === LIFECYCLE_EVENTS.stageChanged && event.data.to_stage === 'production') {
        await this.monitors.promoted(modelId, new Date(event.created_at));
      } else if (event.type === LIFECYCLE_EVENTS.artifactUploaded && event.data.path === REFERENCE_ARTIFACT) {
        await this.monitors.resetReference(modelId);
      }
    }
  }
}
