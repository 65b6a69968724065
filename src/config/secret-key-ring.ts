import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from './app-config.schema';

/** Where a generated key is kept when no ARTENIC_SECRET_KEY is configured (inside ARTENIC_DATA_DIR). */
export const GENERATED_KEY_FILE = 'secret.key';

/*
 * Fixed, public KDF parameters: the salt only separates this use of the passphrase from any other; the
 * passphrase's own entropy is what protects the data. scrypt (not one SHA-256 pass as in the original)
 * makes guessing a weak passphrase expensive. N = 2^14 keeps a boot under ~50 ms per key.
 */
const KDF_SALT = 'artenic-ai-platform/secret-box/v1';
const KDF_PARAMS = { N: 1 << 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export interface SecretKey {
  /** Stable fingerprint of the derived key: tags every ciphertext so the right key opens it. */
  id: string;
  key: Buffer;
}

export type KeySource = 'configured' | 'generated' | 'data_dir_file';

export interface KeyRing {
  active: SecretKey;
  /** Every key that may open a ciphertext, the active one included. */
  all: ReadonlyMap<string, SecretKey>;
  source: KeySource;
  keyFile: string | null;
  warnings: string[];
}

export function deriveSecretKey(passphrase: string): SecretKey {
  const key = scryptSync(passphrase.normalize('NFC'), KDF_SALT, 32, KDF_PARAMS);
  const id = createHash('sha256').update('artenic-key-id\0').update(key).digest('hex').slice(0, 12);
  return { id, key };
}

/**
 * Builds the key ring from configuration: ARTENIC_SECRET_KEY is the active key and
 * ARTENIC_SECRET_KEYS_PREVIOUS are decrypt-only. Without a configured key, the key kept in the data
 * directory is used, generated on first start (mode 0600) so that a restart never loses stored secrets.
 * A generated key stays in the ring after an operator configures one, so its secrets remain readable
 * until they are re-encrypted (POST /api/v1/settings/secrets/rotate).
 */
export function loadKeyRing(
  config: Pick<AppConfig, 'secret_key' | 'secret_keys_previous' | 'data_dir'>,
): KeyRing {
  const keyFile = join(resolve(config.data_dir), GENERATED_KEY_FILE);
  const warnings: string[] = [];
  let stored = readKeyFile(keyFile, warnings);
  let source: KeySource = 'configured';
  if (!config.secret_key) {
    source = stored ? 'data_dir_file' : 'generated';
    if (!stored) stored = generateKeyFile(keyFile);
    warnings.push(
      `No ARTENIC_SECRET_KEY is set: secrets are encrypted with the key kept in ${keyFile}` +
        (source === 'generated' ? ' (generated now)' : '') +
        '. Back it up, or set ARTENIC_SECRET_KEY (and share it between replicas).',
    );
  }
  const activePassphrase = config.secret_key || (stored as string);
  const active = deriveSecretKey(activePassphrase);
  const all = new Map<string, SecretKey>([[active.id, active]]);
  const previous = [...config.secret_keys_previous, ...(config.secret_key && stored ? [stored] : [])];
  for (const passphrase of previous) {
    const key = deriveSecretKey(passphrase);
    if (!all.has(key.id)) all.set(key.id, key);
  }
  return { active, all, source, keyFile: config.secret_key && !stored ? null : keyFile, warnings };
}

function readKeyFile(path: string, warnings: string[]): string | undefined {
  let content: string;
  try {
    content = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the secret key file ${path}: ${(error as Error).message}`);
  }
  if (!content) throw new Error(`the secret key file ${path} is empty; restore it from a backup`);
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    warnings.push(`${path} is readable by other users; restricting it to its owner (0600)`);
    chmodSync(path, 0o600);
  }
  return content;
}

function generateKeyFile(path: string): string {
  mkdirSync(resolve(path, '..'), { recursive: true });
  const passphrase = randomBytes(32).toString('base64url');
  try {
    // 'wx': never overwrite a key another process wrote in the meantime (its secrets would be lost).
    writeFileSync(path, `${passphrase}\n`, { mode: 0o600, flag: 'wx' });
    return passphrase;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(path, 'utf8').trim();
  }
}
