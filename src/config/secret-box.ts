import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Global, Inject, Injectable, Logger, Module, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from './app-config.schema';
import { APP_CONFIG } from './config.module';
import { loadKeyRing, type KeyRing, type KeySource } from './secret-key-ring';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value could not be opened: unknown key id (key removed from the ring), tampered or malformed. */
export class SecretUnreadableError extends Error {
  constructor(
    readonly reason: 'malformed' | 'unknown_key' | 'authentication_failed',
    readonly keyId: string | null,
  ) {
    super(
      reason === 'unknown_key'
        ? `secret was sealed with key ${keyId}, which is not in the key ring (ARTENIC_SECRET_KEY / ARTENIC_SECRET_KEYS_PREVIOUS)`
        : `secret cannot be opened (${reason})`,
    );
    this.name = 'SecretUnreadableError';
  }
}

/**
 * Encryption at rest for secrets (settings, webhook secrets, provider credentials): AES-256-GCM with a
 * random 96-bit IV per value. A sealed value reads `v1.<key id>.<base64url(iv | tag | ciphertext)>`; the
 * key id lets older keys of the ring open values sealed before a rotation. `context` is bound as
 * additional authenticated data, so a ciphertext copied to another row (another context) does not open.
 */
@Injectable()
export class SecretBox {
  constructor(private readonly ring: KeyRing) {}

  get activeKeyId(): string {
    return this.ring.active.id;
  }

  get keyIds(): string[] {
    return [...this.ring.all.keys()];
  }

  get keySource(): KeySource {
    return this.ring.source;
  }

  seal(plaintext: string, context = ''): string {
    const { id, key } = this.ring.active;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(id, context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${id}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(token: string, context = ''): string {
    const { keyId, payload } = parse(token);
    const material = this.ring.all.get(keyId);
    if (!material) throw new SecretUnreadableError('unknown_key', keyId);
    if (payload.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadableError('malformed', keyId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', material.key, payload.subarray(0, IV_BYTES));
      decipher.setAAD(aad(keyId, context));
      decipher.setAuthTag(payload.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(payload.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretUnreadableError('authentication_failed', keyId);
    }
  }

  /** The key id a sealed value names (null when the value is not a sealed token). */
  keyIdOf(token: string): string | null {
    try {
      return parse(token).keyId;
    } catch {
      return null;
    }
  }

  /** True when the value was sealed with an older key and should be re-encrypted. */
  needsReseal(token: string): boolean {
    return this.keyIdOf(token) !== this.activeKeyId;
  }

  /** Opens with whatever key sealed it and seals again with the active key. */
  reseal(token: string, context = ''): string {
    return this.seal(this.open(token, context), context);
  }
}

function aad(keyId: string, context: string): Buffer {
  return Buffer.from(`${VERSION}\0${keyId}\0${context}`, 'utf8');
}

function parse(token: string): { keyId: string; payload: Buffer } {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !parts[1] || !parts[2]) {
    throw new SecretUnreadableError('malformed', null);
  }
  return { keyId: parts[1], payload: Buffer.from(parts[2], 'base64url') };
}

const KEY_RING_WARNINGS = Symbol('KEY_RING_WARNINGS');
const KEY_RING = Symbol('KEY_RING');

/** Logs the key ring's warnings (generated key, loose file permissions) once at start. */
@Injectable()
class SecretBoxStartup implements OnModuleInit {
  constructor(@Inject(KEY_RING_WARNINGS) private readonly warnings: string[]) {}

  onModuleInit(): void {
    const logger = new Logger('SecretBox');
    for (const warning of this.warnings) logger.warn(warning);
  }
}

/** Global: any module may inject SecretBox to keep its own secrets encrypted at rest. */
@Global()
@Module({
  providers: [
    { provide: KEY_RING, inject: [APP_CONFIG], useFactory: (config: AppConfig) => loadKeyRing(config) },
    { provide: SecretBox, inject: [KEY_RING], useFactory: (ring: KeyRing) => new SecretBox(ring) },
    { provide: KEY_RING_WARNINGS, inject: [KEY_RING], useFactory: (ring: KeyRing) => ring.warnings },
    SecretBoxStartup,
  ],
  exports: [SecretBox],
})
export class SecretBoxModule {}
