import { createHmac } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { shellQuote } from '@app/providers/bootstrap/bootstrap-script';
import type { ObjectStore, ObjectStoreShell, StoredObject } from '@app/providers/bootstrap/object-store.port';
import type { RestClient } from '@app/providers/http/rest-client';
import type { KeystoneSession } from './keystone-session';

const listing = z.array(z.object({ name: z.string(), bytes: z.number() }));

/** `swift://container/key` → { container, key }. */
export function splitSwiftUri(uri: string): { container: string; key: string } {
  const rest = uri.replace(/^swift:\/\//, '');
  const slash = rest.indexOf('/');
  return slash < 0
    ? { container: rest, key: '' }
    : { container: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

const enc = (key: string) => key.split('/').map(encodeURIComponent).join('/');

/**
 * OpenStack Swift, the platform side (token-authenticated) and the machine side: the machine gets prefix-based
 * Temp URLs (HMAC-SHA256, Swift's `tempurl` middleware) for its job's objects only, never a credential
 * (the reference gave the VM no credentials at all, so nothing was ever uploaded).
 */
export class SwiftObjectStore implements ObjectStore {
  private api: RestClient | null = null;

  constructor(
    private readonly session: KeystoneSession,
    private readonly tempUrlKey: string,
  ) {}

  private async client(): Promise<{ api: RestClient; base: string }> {
    const base = await this.session.endpoint('object-store');
    this.api ??= this.session.client(base);
    return { api: this.api, base };
  }

  async getText(uri: string): Promise<string | null> {
    const { container, key } = splitSwiftUri(uri);
    const { api } = await this.client();
    const res = await this.session.call(api, 'GET', `/${container}/${enc(key)}`, { allow: [404] });
    return res.status === 404 ? null : res.raw.toString('utf8');
  }

  async list(prefixUri: string): Promise<StoredObject[]> {
    const { container, key } = splitSwiftUri(prefixUri);
    const { api } = await this.client();
    const out: StoredObject[] = [];
    for (let marker = ''; ;) {
      const res = await this.session.call(api, 'GET', `/${container}`, {
        query: { prefix: key, format: 'json', marker: marker || undefined },
        schema: listing,
        allow: [404],
      });
      if (res.status === 404 || !res.data.length) return out;
      for (const o of res.data) out.push({ uri: `swift://${container}/${o.name}`, size_bytes: o.bytes });
      marker = res.data[res.data.length - 1]!.name;
    }
  }

  async download(uri: string, localPath: string): Promise<void> {
    const { container, key } = splitSwiftUri(uri);
    const { api } = await this.client();
    const res = await this.session.call(api, 'GET', `/${container}/${enc(key)}`);
    await writeFile(localPath, res.raw);
  }

  async deletePrefix(prefixUri: string): Promise<void> {
    const { api } = await this.client();
    for (const o of await this.list(prefixUri)) {
      const { container, key } = splitSwiftUri(o.uri);
      await this.session.call(api, 'DELETE', `/${container}/${enc(key)}`, { allow: [404] });
    }
  }

  /** Creates the container and sets the account's Temp URL key; both idempotent. */
  async prepare(container: string): Promise<void> {
    const { api } = await this.client();
    await this.session.call(api, 'PUT', `/${container}`);
    await this.session.call(api, 'POST', '', { headers: { 'x-account-meta-temp-url-key': this.tempUrlKey } });
  }

  /** Signature over `METHOD\nEXPIRES\nprefix:/v1/AUTH_…/container/prefix` (Swift's prefix-based Temp URL). */
  async tempUrlSignature(
    method: 'GET' | 'PUT',
    container: string,
    prefix: string,
    expires: number,
  ): Promise<string> {
    const { base } = await this.client();
    const path = `${new URL(base).pathname}/${container}/${prefix}`;
    return createHmac('sha256', this.tempUrlKey)
      .update(`${method}\n${expires}\nprefix:${path}`)
      .digest('hex');
  }

  /** The machine's transfer functions for objects under `swift://container/prefix`, valid until `expires`. */
  async shell(
    container: string,
    prefix: string,
    expires: number,
    resumeFiles: string[],
  ): Promise<ObjectStoreShell> {
    const { base } = await this.client();
    const get = await this.tempUrlSignature('GET', container, prefix, expires);
    const put = await this.tempUrlSignature('PUT', container, prefix, expires);
    return {
      setup: [
        `TU_BASE=${shellQuote(base)}; TU_EXP=${expires}; TU_GET=${get}; TU_PUT=${put}`,
        `TU_PREFIX=${shellQuote(encodeURIComponent(prefix))}; TU_RESUME_FILES=${shellQuote(resumeFiles.join('\n'))}`,
        'artenic_tu() { local sig="$TU_GET"; [ "$1" = PUT ] && sig="$TU_PUT"; printf \'%s/%s?temp_url_sig=%s&temp_url_expires=%s&temp_url_prefix=%s\' "$TU_BASE" "${2#swift://}" "$sig" "$TU_EXP" "$TU_PREFIX"; }',
      ],
      fetch:
        'case "$1" in swift://*) curl -fsS -o "$2" "$(artenic_tu GET "$1")" ;; *) curl -fsSL -o "$2" "$1" ;; esac',
      fetchDir:
        'local f; while IFS= read -r f; do [ -n "$f" ] || continue; mkdir -p "$(dirname "$2/$f")"; ' +
        'curl -fsS -o "$2/$f" "$(artenic_tu GET "${1%/}/$f")" || return 1; done <<<"$TU_RESUME_FILES"',
      upload: 'curl -fsS -X PUT -T "$1" "$(artenic_tu PUT "$2")" >/dev/null',
    };
  }
}
