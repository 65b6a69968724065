/** Every topic the platform publishes on (the reference's names). */
export const EVENT_TOPICS = [
  'training',
  'ensemble',
  'health',
  'lifecycle',
  'config',
  'ab_test',
  'budget',
  'inference',
] as const;

export type EventTopic = (typeof EVENT_TOPICS)[number];

export const isEventTopic = (value: string): value is EventTopic =>
  (EVENT_TOPICS as readonly string[]).includes(value);

export interface NewEvent {
  topic: EventTopic;
  /** What happened, e.g. `job.status_changed`, `model.promoted`. */
  type: string;
  /** The id of the thing it happened to. */
  subject?: string | null;
  data: Record<string, unknown>;
}

/** A committed event as subscribers receive it. */
export interface DomainEvent extends NewEvent {
  id: number;
  subject: string | null;
  created_at: Date;
}
