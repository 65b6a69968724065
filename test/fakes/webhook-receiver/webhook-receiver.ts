import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { legacySignature, verifyStandardSignature } from '@app/webhooks/webhook-signing';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  legacy_signature: string;
  event: string;
  body: string;
  json: Record<string, unknown>;
  /** Both signatures checked against the receiver's secret (when it knows one). */
  verified: boolean;
}

export type ReceiverMode =
  | { kind: 'up' }
  /** Answers `status` to the next `attempts` requests, then behaves as up. */
  | { kind: 'down'; attempts: number; status?: number }
  /** Accepts the request and never answers. */
  | { kind: 'silent' };

/**
 * A webhook receiver speaking the Standard Webhooks protocol: records every request, can be down for N
 * attempts or never answer, and verifies signatures with the secret it is given.
 */
export class FakeWebhookReceiver {
  readonly attempts: ReceivedWebhook[] = [];
  secret = '';
  private mode: ReceiverMode = { kind: 'up' };
  private failuresLeft = 0;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeWebhookReceiver> {
    const holder: { receiver?: FakeWebhookReceiver } = {};
    const server = createServer((req, res) => void holder.receiver?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.receiver = new FakeWebhookReceiver(server, `http://127.0.0.1:${port}/hook`);
    return holder.receiver;
  }

  setMode(mode: ReceiverMode): void {
    this.mode = mode;
    this.failuresLeft = mode.kind === 'down' ? mode.attempts : 0;
  }

  /** Successful receipts, de-duplicated by `webhook-id` (what a correct receiver would process). */
  processed(): ReceivedWebhook[] {
    const seen = new Map<string, ReceivedWebhook>();
    for (const a of this.accepted) if (!seen.has(a.id)) seen.set(a.id, a);
    return [...seen.values()];
  }

  readonly accepted: ReceivedWebhook[] = [];

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const received = this.record(req, body);
    this.attempts.push(received);
    if (this.mode.kind === 'silent') {
      this.hanging.add(res);
      return;
    }
    if (this.mode.kind === 'down' && this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      res.writeHead(this.mode.status ?? 503).end('down');
      return;
    }
    if (!received.verified) {
      res.writeHead(401).end('bad signature');
      return;
    }
    this.accepted.push(received);
    res.writeHead(204).end();
  }

  private record(req: IncomingMessage, body: string): ReceivedWebhook {
    const header = (name: string) => String(req.headers[name] ?? '');
    const id = header('webhook-id');
    const timestamp = header('webhook-timestamp');
    const signature = header('webhook-signature');
    const legacy = header('x-artenic-signature');
    const verified =
      this.secret !== '' &&
      verifyStandardSignature(this.secret, { id, timestamp, signature }, body) &&
      legacy === legacySignature(this.secret, body);
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      json = {};
    }
    return {
      id,
      timestamp,
      signature,
      legacy_signature: legacy,
      event: header('x-artenic-event'),
      body,
      json,
      verified,
    };
  }
}
