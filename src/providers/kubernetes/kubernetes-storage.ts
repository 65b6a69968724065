import { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '@app/providers/aws/s3-object-store';
import { s3Shell } from '@app/providers/bootstrap/object-store-shells';
import type { KubernetesConfig } from './kube-api';
import type { RunStorage } from './kubernetes.provider';

/**
 * Runs on a cluster keep their code bundle, status marker, logs, checkpoints and outputs in S3-compatible
 * object storage, exactly as the VM clouds do (same bootstrap script, same layout): no PVC to provision,
 * resize or clean up, and the outputs outlive the Job. Pods get the storage credentials from the configured
 * Secret (`CREDENTIALS_SECRET`, preferred) or, without one, from the configured key pair in their environment.
 */
export function kubernetesRunStorage(config: KubernetesConfig): RunStorage {
  const s = config.storage;
  const client = new S3Client({
    region: s.region || 'us-east-1',
    ...(s.endpoint_url ? { endpoint: s.endpoint_url, forcePathStyle: true } : {}),
    ...(s.access_key ? { credentials: { accessKeyId: s.access_key, secretAccessKey: s.secret_key } } : {}),
    maxAttempts: config.max_attempts,
    requestHandler: {
      requestTimeout: config.request_timeout_ms,
      connectionTimeout: config.request_timeout_ms,
    },
  });
  return {
    store: new S3ObjectStore(client),
    shell: s3Shell({ endpointUrl: s.endpoint_url || undefined, region: s.region || undefined }),
    root: `s3://${s.models_bucket}`,
    env: s.access_key
      ? {
          AWS_ACCESS_KEY_ID: s.access_key,
          AWS_SECRET_ACCESS_KEY: s.secret_key,
          AWS_DEFAULT_REGION: s.region || 'us-east-1',
        }
      : { AWS_DEFAULT_REGION: s.region || 'us-east-1' },
  };
}
