import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isNotFound } from '@app/providers/bootstrap/cloud-errors';
import {
  splitBucketUri,
  type ObjectStore,
  type StoredObject,
} from '@app/providers/bootstrap/object-store.port';

/** S3 and S3-compatible object storage (`s3://bucket/key`), read by the platform side of a run. */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Client) {}

  async getText(uri: string): Promise<string | null> {
    const { bucket, key } = splitBucketUri(uri, 's3');
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await out.Body?.transformToString('utf-8')) ?? null;
    } catch (error) {
      if (isNotFound(error) || (error as { name?: string }).name === 'NoSuchBucket') return null;
      throw error;
    }
  }

  async list(prefixUri: string): Promise<StoredObject[]> {
    const { bucket, key } = splitBucketUri(prefixUri, 's3');
    const found: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key) found.push({ uri: `s3://${bucket}/${o.Key}`, size_bytes: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  async download(uri: string, localPath: string): Promise<void> {
    const { bucket, key } = splitBucketUri(uri, 's3');
    const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    await pipeline(out.Body as Readable, createWriteStream(localPath));
  }

  async deletePrefix(prefixUri: string): Promise<void> {
    const { bucket } = splitBucketUri(prefixUri, 's3');
    const objects = await this.list(prefixUri);
    for (let i = 0; i < objects.length; i += 1000) {
      const keys = objects.slice(i, i + 1000).map((o) => ({ Key: splitBucketUri(o.uri, 's3').key }));
      await this.s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }),
      );
    }
  }
}
