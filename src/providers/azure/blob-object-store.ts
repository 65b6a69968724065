import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ObjectStore, StoredObject } from '@app/providers/bootstrap/object-store.port';
import { STORAGE_SCOPE, type AzureTokenCredential } from './azure-credential';
import { azureFetch, type AzureConfig } from './azure-http';

const BLOB_API_VERSION = '2021-08-06';
const MAX_PAGES = 200;

/** How requests to Blob storage are authorised: an Entra ID bearer token, or a SAS appended to the URL. */
type BlobAuth = { kind: 'bearer'; credential: AzureTokenCredential } | { kind: 'sas'; sas: string };

/** The account's Blob endpoint (`https://{account}.blob.core.windows.net`, or the configured override). */
export function blobEndpoint(config: AzureConfig): string {
  const fromConnection = connectionField(config.storage_connection_string, 'BlobEndpoint');
  return (
    config.storage_endpoint ||
    fromConnection ||
    `https://${config.storage_account}.blob.core.windows.net`
  ).replace(/\/+$/, '');
}

function connectionField(connection: string, name: string): string {
  for (const part of connection.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return '';
}

export function blobAuth(config: AzureConfig, credential: AzureTokenCredential): BlobAuth {
  if (!config.storage_connection_string) return { kind: 'bearer', credential };
  const sas = connectionField(config.storage_connection_string, 'SharedAccessSignature');
  if (!sas) {
    throw new Error(
      'ARTENIC_AZURE__STORAGE_CONNECTION_STRING must carry a SharedAccessSignature (account keys are not ' +
        'supported); or leave it empty to use the service principal',
    );
  }
  return { kind: 'sas', sas: sas.replace(/^\?/, '') };
}

/**
 * Azure Blob Storage over its REST API (Get Blob, List Blobs, Delete Blob): the platform side of a VM run.
 * URIs are full blob URLs under the account endpoint: `{endpoint}/{container}/{blob}`.
 */
export class BlobObjectStore implements ObjectStore {
  constructor(
    private readonly endpoint: string,
    private readonly auth: BlobAuth,
    private readonly config: AzureConfig,
  ) {}

  async getText(uri: string): Promise<string | null> {
    const response = await this.send('GET', this.split(uri), '', true);
    return response ? response.text() : null;
  }

  async list(prefixUri: string): Promise<StoredObject[]> {
    const { container, blob } = this.split(prefixUri);
    const found: StoredObject[] = [];
    let marker = '';
    for (let page = 0; page < MAX_PAGES; page++) {
      const query =
        `restype=container&comp=list&prefix=${encodeURIComponent(blob)}` +
        (marker ? `&marker=${encodeURIComponent(marker)}` : '');
      const response = await this.send('GET', { container, blob: '' }, query, true);
      if (!response) return found; // no container: nothing stored
      const xml = await response.text();
      for (const entry of xml.match(/<Blob>[\s\S]*?<\/Blob>/g) ?? []) {
        const name = decodeXml(/<Name>([\s\S]*?)<\/Name>/.exec(entry)?.[1] ?? '');
        const size = Number(/<Content-Length>(\d+)<\/Content-Length>/.exec(entry)?.[1] ?? 0);
        if (name) found.push({ uri: `${this.endpoint}/${container}/${name}`, size_bytes: size });
      }
      marker = decodeXml(/<NextMarker>([^<]*)<\/NextMarker>/.exec(xml)?.[1] ?? '');
      if (!marker) break;
    }
    return found;
  }

  async download(uri: string, localPath: string): Promise<void> {
    const response = await this.send('GET', this.split(uri), '', false);
    if (!response?.body) throw new Error(`blob ${uri} has no content`);
    await pipeline(
      Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
      createWriteStream(localPath),
    );
  }

  async deletePrefix(prefixUri: string): Promise<void> {
    for (const object of await this.list(prefixUri)) {
      await this.send('DELETE', this.split(object.uri), '', true);
    }
  }

  /** Put Blob (block blob, one request): used by tests and by whoever stages code bundles. */
  async put(uri: string, content: Buffer | string): Promise<void> {
    await this.send('PUT', this.split(uri), '', false, content);
  }

  private split(uri: string): { container: string; blob: string } {
    if (!uri.startsWith(this.endpoint + '/')) throw new Error(`not a blob URI of ${this.endpoint}: ${uri}`);
    const rest = uri.slice(this.endpoint.length + 1);
    const slash = rest.indexOf('/');
    return slash < 0
      ? { container: rest, blob: '' }
      : { container: rest.slice(0, slash), blob: rest.slice(slash + 1) };
  }

  /** One request; with `missingIsNull`, a 404 (blob or container) is null instead of an error. */
  private async send(
    method: 'GET' | 'PUT' | 'DELETE',
    target: { container: string; blob: string },
    query: string,
    missingIsNull: boolean,
    body?: Buffer | string,
  ): Promise<Response | null> {
    const path = [target.container, ...target.blob.split('/').filter(Boolean)]
      .map(encodeURIComponent)
      .join('/');
    const headers: Record<string, string> = { 'x-ms-version': BLOB_API_VERSION };
    const queries = [query];
    if (this.auth.kind === 'sas') queries.push(this.auth.sas);
    else
      headers.authorization = `Bearer ${(await this.auth.credential.getToken(STORAGE_SCOPE))?.token ?? ''}`;
    if (body !== undefined) headers['x-ms-blob-type'] = 'BlockBlob';
    const qs = queries.filter(Boolean).join('&');
    try {
      return await azureFetch(
        { method, url: `${this.endpoint}/${path}${qs ? `?${qs}` : ''}`, headers, ...(body ? { body } : {}) },
        { timeoutMs: this.config.request_timeout_ms, maxAttempts: this.config.max_attempts },
      );
    } catch (error) {
      if (missingIsNull && (error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    }
  }
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
