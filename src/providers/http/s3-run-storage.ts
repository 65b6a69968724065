import { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '@app/providers/aws/s3-object-store';
import { s3Shell } from '@app/providers/bootstrap/object-store-shells';
import type { RestVmDeps } from './rest-vm-provider';

export interface S3StorageConfig {
  endpoint_url: string;
  access_key: string;
  secret_key: string;
  region: string;
  models_bucket: string;
}

/**
 * Run storage on an S3-compatible service (the cloud's own where it has one: Hetzner, Scaleway, OCI's S3
 * compatibility API; any S3 for the GPU clouds). The machine gets the storage key pair in its environment:
 * give these clouds a key restricted to the runs bucket.
 */
export function s3RunStorage(
  cfg: S3StorageConfig,
): Pick<RestVmDeps, 'store' | 'shell' | 'root' | 'storage_env'> {
  const client = new S3Client({
    region: cfg.region || 'us-east-1',
    endpoint: cfg.endpoint_url || undefined,
    forcePathStyle: Boolean(cfg.endpoint_url),
    credentials: { accessKeyId: cfg.access_key, secretAccessKey: cfg.secret_key },
  });
  return {
    store: new S3ObjectStore(client),
    shell: s3Shell({ endpointUrl: cfg.endpoint_url || undefined, region: cfg.region || undefined }),
    root: `s3://${cfg.models_bucket}`,
    storage_env: {
      AWS_ACCESS_KEY_ID: cfg.access_key,
      AWS_SECRET_ACCESS_KEY: cfg.secret_key,
      AWS_DEFAULT_REGION: cfg.region || 'us-east-1',
    },
  };
}
