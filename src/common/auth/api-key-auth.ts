import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config.schema';
import { DomainError } from '../errors/domain-error';

export interface Principal {
  /** Who is acting: the key's name, recorded in ledgers and audit logs. */
  id: string;
  authenticated: boolean;
}

export const ANONYMOUS: Principal = { id: 'anonymous', authenticated: false };

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Bearer API keys. `ARTENIC_API_KEY` is the bootstrap key (actor `admin`); `ARTENIC_API_KEYS` adds named
 * keys. Keys are compared as SHA-256 digests with timingSafeEqual, against every key, so neither the
 * length nor the position of a key leaks through timing. No key configured = auth disabled (development).
 */
@Injectable()
export class ApiKeyAuth implements OnModuleInit {
  private readonly logger = new Logger('Auth');
  private readonly keys: Array<{ id: string; digest: Buffer }>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.keys = Object.entries(config.api_keys).map(([id, key]) => ({ id, digest: digest(key) }));
    if (config.api_key) this.keys.unshift({ id: 'admin', digest: digest(config.api_key) });
  }

  onModuleInit(): void {
    if (!this.enabled) {
      this.logger.warn(
        'AUTHENTICATION IS DISABLED: no ARTENIC_API_KEY is set. Use this for local development only.',
      );
    }
  }

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** The principal for a token, or undefined when auth is on and the token matches no key. */
  verify(token: string | undefined): Principal | undefined {
    if (!this.enabled) return ANONYMOUS;
    if (!token) return undefined;
    const presented = digest(token);
    let match: string | undefined;
    for (const key of this.keys) {
      if (timingSafeEqual(presented, key.digest) && match === undefined) match = key.id;
    }
    return match === undefined ? undefined : { id: match, authenticated: true };
  }

  /** The principal of an `Authorization` header; a 401 (with its WWW-Authenticate) when there is none. */
  authenticate(header: string | string[] | undefined): Principal {
    const principal = this.verify(ApiKeyAuth.bearer(header));
    if (principal) return principal;
    throw new DomainError(
      'unauthenticated',
      'AUTHENTICATION_FAILED',
      'Invalid or missing API key.',
      {},
      { 'WWW-Authenticate': 'Bearer realm="artenic"' },
    );
  }

  /** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive). */
  static bearer(header: string | string[] | undefined): string | undefined {
    const value = Array.isArray(header) ? header[0] : header;
    const m = value ? /^bearer\s+(\S+)\s*$/i.exec(value) : null;
    return m?.[1];
  }
}
