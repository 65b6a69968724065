import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox, SecretUnreadableError } from './secret-box';
import { loadKeyRing } from './secret-key-ring';

describe('SecretBox', () => {
  let dir: string;
  const box = (secret_key: string, secret_keys_previous: string[] = []) =>
    new SecretBox(loadKeyRing({ secret_key, secret_keys_previous, data_dir: dir }));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'secret-box-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips text, including empty and non-ASCII, with a fresh IV each time', () => {
    const b = box('passphrase');

    const sealed = ['', 'héllo ✓ 秘密', 'x'.repeat(5000)].map((p) => [p, b.seal(p, 'ctx')] as const);

    for (const [plain, token] of sealed) expect(b.open(token, 'ctx')).toBe(plain);
    expect(b.seal('same', 'ctx')).not.toBe(b.seal('same', 'ctx'));
    expect(sealed[1]?.[1]).toMatch(new RegExp(`^v1\\.${b.activeKeyId}\\.[A-Za-z0-9_-]+$`));
  });

  it('refuses a token opened in another context or tampered with', () => {
    const b = box('passphrase');
    const token = b.seal('secret', 'settings:global/webhook/secret');
    // Flip a character well inside the payload (the last base64 character may carry unused bits).
    const i = token.length - 8;
    const tampered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);

    expect(() => b.open(token, 'settings:global/webhook/url')).toThrow(SecretUnreadableError);
    expect(() => b.open(tampered, 'settings:global/webhook/secret')).toThrow(SecretUnreadableError);
    expect(() => b.open('not-a-token')).toThrow(expect.objectContaining({ reason: 'malformed' }));
  });

  it('opens values of a previous key, reseals them with the active one, and names a missing key', () => {
    const old = box('old passphrase');
    const token = old.seal('secret');
    const rotated = box('new passphrase', ['old passphrase']);
    const stranger = box('unrelated');

    const resealed = rotated.reseal(token);

    expect(rotated.open(token)).toBe('secret');
    expect(rotated.needsReseal(token)).toBe(true);
    expect(rotated.needsReseal(resealed)).toBe(false);
    expect(box('new passphrase').open(resealed)).toBe('secret');
    expect(() => stranger.open(token)).toThrow(
      expect.objectContaining({ reason: 'unknown_key', keyId: old.activeKeyId }),
    );
  });

  it('generates a key file once (0600) and keeps it in the ring when a key is configured later', () => {
    const generated = box('');
    const token = generated.seal('secret');
    const file = join(dir, 'secret.key');

    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(box('').activeKeyId).toBe(generated.activeKeyId);
    expect(box('configured now').open(token)).toBe('secret');
  });

  it('restricts a key file readable by others and refuses an empty one', () => {
    const file = join(dir, 'secret.key');
    writeFileSync(file, 'abc', { mode: 0o644 });

    const ring = loadKeyRing({ secret_key: '', secret_keys_previous: [], data_dir: dir });

    expect(ring.warnings.join()).toContain('readable by other users');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, '\n');
    expect(() => loadKeyRing({ secret_key: '', secret_keys_previous: [], data_dir: dir })).toThrow(/empty/);
  });
});
