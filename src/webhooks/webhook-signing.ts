import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * Two signatures per request. `webhook-signature` follows the Standard Webhooks scheme (HMAC-SHA256 over
 * `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the base64 part of a `whsec_` secret), which binds a
 * timestamp so receivers can refuse replays. `X-Artenic-Signature` is the reference's: lowercase hex of
 * HMAC-SHA256 over the raw body keyed with the secret's UTF-8 bytes, kept for existing receivers.
 */

const PREFIX = 'whsec_';

export function generateWebhookSecret(): string {
  return `${PREFIX}${randomBytes(24).toString('base64')}`;
}

function standardKey(secret: string): Buffer {
  return secret.startsWith(PREFIX)
    ? Buffer.from(secret.slice(PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

/** The `webhook-signature` header value: `v1,<base64 signature>`. */
export function standardSignature(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', standardKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The reference's `X-Artenic-Signature` value. */
export function legacySignature(secret: string, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex');
}

export interface SignedHeaders {
  'content-type': string;
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
  'x-artenic-signature': string;
  'x-artenic-event': string;
}

export function signedHeaders(
  secret: string,
  delivery: { id: string; event_type: string; topic: string },
  body: string,
  timestamp: number,
): SignedHeaders {
  return {
    'content-type': 'application/json',
    'webhook-id': delivery.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': standardSignature(secret, delivery.id, timestamp, body),
    'x-artenic-signature': legacySignature(secret, body),
    // The reference named budget alerts `budget_alert`; other events carry their own type.
    'x-artenic-event': delivery.topic === 'budget' ? 'budget_alert' : delivery.event_type,
  };
}

/**
 * Receiver-side check of a Standard Webhooks signature header (space-separated `v1,<sig>` entries) with a
 * replay window; exported for receivers written in TypeScript and for tests.
 */
export function verifyStandardSignature(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  const timestamp = Number(headers.timestamp);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300))
    return false;
  const expected = Buffer.from(standardSignature(secret, headers.id, timestamp, body));
  return headers.signature
    .split(' ')
    .map((candidate) => Buffer.from(candidate))
    .some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
}
