import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { DomainError, notFound } from '../../common/errors/domain-error';
import type { AppConfig } from '../../config/app-config.schema';
import type { ArtifactStorage } from './artifact-storage.port';

type S3Config = AppConfig['artifacts'];

/** Artifacts in an S3-compatible bucket; uploads are multipart with a bounded number of parts in flight. */
export class S3ArtifactStorage implements ArtifactStorage {
  readonly backend = 's3' as const;

  constructor(
    private readonly client: S3Client,
    private readonly config: S3Config,
  ) {}

  static fromConfig(config: S3Config): S3ArtifactStorage {
    const client = new S3Client({
      region: config.region,
      ...(config.endpoint_url ? { endpoint: config.endpoint_url } : {}),
      forcePathStyle: config.force_path_style,
      ...(config.access_key_id
        ? { credentials: { accessKeyId: config.access_key_id, secretAccessKey: config.secret_access_key } }
        : {}),
    });
    return new S3ArtifactStorage(client, config);
  }

  async put(key: string, body: Readable): Promise<void> {
    await storageCall(key, () => this.upload(key, body));
  }

  private async upload(key: string, body: Readable): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.config.bucket, Key: this.objectKey(key), Body: body },
      partSize: this.config.part_size_mb * 1024 * 1024,
      queueSize: 2,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }),
      );
      if (!(out.Body instanceof Readable)) throw new Error('S3 GetObject returned no stream body');
      return out.Body;
    } catch (error) {
      if (error instanceof NoSuchKey)
        throw notFound('ARTIFACT_NOT_FOUND', `Artifact data '${key}' is missing`);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }));
  }

  private objectKey(key: string): string {
    return `${this.config.prefix}${key}`;
  }
}

/** The object store failing is an upstream failure (502), not a bug of ours. */
function storageFailure(key: string, error: unknown): DomainError {
  const message = error instanceof Error ? error.message : String(error);
  return new DomainError(
    'upstream_failed',
    'ARTIFACT_STORAGE_FAILED',
    `Artifact storage failed for '${key}': ${message}`,
  );
}

async function storageCall<T>(key: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof DomainError ? error : storageFailure(key, error);
  }
}
