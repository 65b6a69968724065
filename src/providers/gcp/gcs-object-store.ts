import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { AuthClient } from 'google-auth-library';
import { isNotFound } from '@app/providers/bootstrap/cloud-errors';
import {
  splitBucketUri,
  type ObjectStore,
  type StoredObject,
} from '@app/providers/bootstrap/object-store.port';

interface ListPage {
  items?: Array<{ name: string; size?: string }>;
  nextPageToken?: string;
}

/**
 * Google Cloud Storage (`gs://bucket/key`) over its JSON API, signed by the adapter's auth client: object
 * reads with `alt=media`, listing by prefix, media uploads and deletes. Not `@google-cloud/storage`: four
 * endpoints do not justify that dependency.
 */
export class GcsObjectStore implements ObjectStore {
  private readonly base: string;

  constructor(
    private readonly auth: AuthClient,
    endpoint: string,
    private readonly timeoutMs: number,
  ) {
    this.base = (endpoint || 'https://storage.googleapis.com').replace(/\/+$/, '');
  }

  private objectUrl(uri: string): string {
    const { bucket, key } = splitBucketUri(uri, 'gs');
    return `${this.base}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(key)}`;
  }

  async getText(uri: string): Promise<string | null> {
    try {
      const res = await this.auth.request<string>({
        url: `${this.objectUrl(uri)}?alt=media`,
        responseType: 'text',
        timeout: this.timeoutMs,
      });
      return res.data;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async list(prefixUri: string): Promise<StoredObject[]> {
    const { bucket, key } = splitBucketUri(prefixUri, 'gs');
    const found: StoredObject[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.auth.request<ListPage>({
        url: `${this.base}/storage/v1/b/${encodeURIComponent(bucket)}/o`,
        params: { prefix: key, ...(pageToken ? { pageToken } : {}) },
        timeout: this.timeoutMs,
      });
      for (const o of res.data.items ?? []) {
        found.push({ uri: `gs://${bucket}/${o.name}`, size_bytes: Number(o.size ?? 0) });
      }
      pageToken = res.data.nextPageToken || undefined;
    } while (pageToken);
    return found;
  }

  /** Streams the object to disk (artifacts can be large). */
  async download(uri: string, localPath: string): Promise<void> {
    const res = await this.auth.request<unknown>({
      url: `${this.objectUrl(uri)}?alt=media`,
      responseType: 'stream',
      timeout: this.timeoutMs,
    });
    const body = res.data;
    const stream = body instanceof Readable ? body : Readable.fromWeb(body as WebReadableStream);
    await pipeline(stream, createWriteStream(localPath));
  }

  /** A simple media upload (`uploadType=media`): one request, for objects the platform writes itself. */
  async put(uri: string, body: Buffer | string, contentType = 'application/octet-stream'): Promise<void> {
    const { bucket, key } = splitBucketUri(uri, 'gs');
    await this.auth.request({
      url: `${this.base}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o`,
      method: 'POST',
      params: { uploadType: 'media', name: key },
      headers: { 'content-type': contentType },
      data: body,
      timeout: this.timeoutMs,
    });
  }

  async deletePrefix(prefixUri: string): Promise<void> {
    for (const object of await this.list(prefixUri)) {
      try {
        await this.auth.request({
          url: this.objectUrl(object.uri),
          method: 'DELETE',
          timeout: this.timeoutMs,
        });
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }
  }
}
