import type { IncomingMessage } from 'node:http';
import { Inject, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayDisconnect } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { EventRelay } from './event-relay';
import { EventStore } from './event-store';
import { EVENT_TOPICS, isEventTopic, type DomainEvent, type EventTopic } from './event-topics';

const REPLAY_BATCH = 500;

interface Client {
  socket: WebSocket;
  topics: ReadonlySet<EventTopic>;
  /** While replaying `since=`, live events wait here so the stream stays in id order. */
  pending: DomainEvent[] | undefined;
  lastId: number;
  lastSentAt: number;
}

/** The wire form of an event: the reference's envelope (payload fields, `_topic`, float `_timestamp`). */
export function wireEvent(event: DomainEvent): Record<string, unknown> {
  return {
    ...event.data,
    _id: event.id,
    _topic: event.topic,
    _type: event.type,
    _subject: event.subject,
    _timestamp: event.created_at.getTime() / 1000,
  };
}

/**
 * `/ws?topics=a,b&since=<event id>`: streams committed events of the chosen topics. `since` replays what
 * a reconnecting client missed, in order and without duplicates, before live events. A heartbeat
 * `{"type":"heartbeat"}` follows 30 s of silence. A client that cannot keep up (send buffer over the cap)
 * is closed with 1013 rather than fed a partial stream; it reconnects with `since=` its last `_id`.
 */
@WebSocketGateway({ path: '/ws' })
export class EventsGateway
  implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, BeforeApplicationShutdown
{
  private readonly logger = new Logger('EventsGateway');
  private readonly clients = new Map<WebSocket, Client>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly relay: EventRelay,
    private readonly store: EventStore,
  ) {}

  onModuleInit(): void {
    this.relay.subscribe(undefined, (event) => this.fanOut(event));
    const periodMs = this.config.ws.heartbeat_seconds * 1000;
    this.heartbeat = setInterval(() => this.beat(periodMs), Math.min(periodMs, 1000));
    this.heartbeat.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.heartbeat);
    for (const socket of this.clients.keys()) socket.close(1001, 'server shutting down');
    this.clients.clear();
  }

  get connectedClients(): number {
    return this.clients.size;
  }

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const url = new URL(request.url ?? '/ws', 'http://localhost');
    const requested = url.searchParams.get('topics');
    const names =
      requested === null
        ? this.config.ws.default_topics
        : requested
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean);
    const unknown = names.filter((t) => !isEventTopic(t));
    if (unknown.length > 0) {
      socket.close(
        1008,
        `unknown topic(s): ${unknown.join(', ')}; known: ${EVENT_TOPICS.join(', ')}`.slice(0, 120),
      );
      return;
    }
    const sinceParam = url.searchParams.get('since');
    const since = sinceParam === null ? undefined : Number(sinceParam);
    if (since !== undefined && (!Number.isInteger(since) || since < 0)) {
      socket.close(1008, 'since must be a non-negative event id');
      return;
    }
    const client: Client = {
      socket,
      topics: new Set(names.filter(isEventTopic)),
      pending: since === undefined ? undefined : [],
      lastId: since ?? 0,
      lastSentAt: Date.now(),
    };
    this.clients.set(socket, client);
    if (since !== undefined) await this.replay(client, since);
  }

  handleDisconnect(socket: WebSocket): void {
    this.clients.delete(socket);
  }

  private async replay(client: Client, since: number): Promise<void> {
    const upTo = this.relay.position;
    const topics = [...client.topics];
    let cursor = since;
    try {
      while (cursor < upTo && this.clients.has(client.socket)) {
        const rows = await this.store.readAfter(cursor, REPLAY_BATCH, topics);
        const inRange = rows.filter((e) => e.id <= upTo);
        for (const event of inRange) this.send(client, event);
        if (inRange.length < rows.length || rows.length < REPLAY_BATCH) break;
        cursor = rows[rows.length - 1]!.id;
      }
    } catch (error) {
      this.logger.warn(`replay failed: ${(error as Error).message}`);
      client.socket.close(1011, 'replay failed');
      return;
    }
    const pending = client.pending ?? [];
    client.pending = undefined;
    for (const event of pending) this.send(client, event);
  }

  private fanOut(event: DomainEvent): void {
    for (const client of this.clients.values()) {
      if (!client.topics.has(event.topic)) continue;
      if (client.pending) client.pending.push(event);
      else this.send(client, event);
    }
  }

  private send(client: Client, event: DomainEvent): void {
    if (event.id <= client.lastId) return;
    this.write(client, JSON.stringify(wireEvent(event)));
    client.lastId = event.id;
  }

  private write(client: Client, payload: string): void {
    const { socket } = client;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > this.config.ws.max_buffered_bytes) {
      this.logger.warn('closing a WebSocket client that is not keeping up');
      this.clients.delete(socket);
      socket.close(1013, 'client too slow; reconnect with since=<last _id>');
      // A client that does not even read the close frame is cut off.
      setTimeout(() => socket.terminate(), 5000).unref();
      return;
    }
    socket.send(payload);
    client.lastSentAt = Date.now();
  }

  private beat(periodMs: number): void {
    const now = Date.now();
    for (const client of this.clients.values()) {
      if (now - client.lastSentAt >= periodMs) this.write(client, '{"type":"heartbeat"}');
    }
  }
}
