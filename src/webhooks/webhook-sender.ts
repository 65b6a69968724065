import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, request } from 'undici';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import {
  assertPublicTarget,
  isPrivateAddress,
  parseTargetUrl,
  TargetRefusedError,
} from './webhook-target-guard';

export interface SendResult {
  ok: boolean;
  status_code: number | null;
  error: string | null;
}

/**
 * Sends one signed delivery attempt. Runs outside any transaction. The connection's own DNS lookup refuses
 * private addresses too, so the address connected to is the address checked (no rebinding window).
 */
@Injectable()
export class WebhookSender implements OnApplicationShutdown {
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.timeoutMs = Math.round(config.webhook.timeout_seconds * 1000);
    const allowPrivate = config.webhook.allow_private_targets;
    this.agent = new Agent({
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connectTimeout: this.timeoutMs,
      connect: allowPrivate ? {} : { lookup: publicOnlyLookup },
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    try {
      await assertPublicTarget(parseTargetUrl(url), this.config.webhook.allow_private_targets);
      const response = await request(url, {
        method: 'POST',
        headers: { ...headers, 'user-agent': 'artenic-webhooks/1' },
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // Drain (bounded) so the connection can be reused; the receiver's answer body is not kept.
      await response.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return {
        ok,
        status_code: response.statusCode,
        error: ok ? null : `receiver answered ${response.statusCode}`,
      };
    } catch (error) {
      return { ok: false, status_code: null, error: describe(error, this.timeoutMs) };
    }
  }
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof TargetRefusedError) return `target refused: ${error.message}`;
  const e = error as { name?: string; code?: string; message?: string; cause?: { message?: string } };
  if (
    e.name === 'TimeoutError' ||
    e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e.code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = e.cause?.message ? ` (${e.cause.message})` : '';
  return `${e.code ?? e.name ?? 'error'}: ${e.message ?? String(error)}${cause}`.slice(0, 1000);
}

/** A `dns.lookup` replacement for sockets that fails when any resolved address is private. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused) {
      const err = new TargetRefusedError(`${hostname} resolves to ${refused.address}, a private address`);
      return callback(err, '', 0);
    }
    if (options.all) {
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    }
    const first = addresses[0];
    if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
    return callback(null, first.address, first.family);
  });
};
