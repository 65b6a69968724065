import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import type { AppConfig } from '@app/config/app-config.schema';

export type AwsConfig = AppConfig['aws'];

/** The SDK clients the AWS adapter uses; built from config, injected so tests point them at moto. */
export interface AwsClients {
  ec2(region: string): EC2Client;
  s3: S3Client;
}

export function createAwsClients(config: AwsConfig): AwsClients {
  const credentials = config.access_key_id
    ? {
        accessKeyId: config.access_key_id,
        secretAccessKey: config.secret_access_key,
        ...(config.session_token ? { sessionToken: config.session_token } : {}),
      }
    : undefined; // the SDK's default chain: env, profile, instance role
  const common = {
    ...(credentials ? { credentials } : {}),
    ...(config.endpoint_url ? { endpoint: config.endpoint_url } : {}),
    maxAttempts: config.max_attempts,
    requestHandler: {
      requestTimeout: config.request_timeout_ms,
      connectionTimeout: config.request_timeout_ms,
    },
  };
  const s3Endpoint = config.s3_endpoint_url || config.endpoint_url;
  const byRegion = new Map<string, EC2Client>();
  return {
    ec2: (region) => {
      let client = byRegion.get(region);
      if (!client) {
        client = new EC2Client({ ...common, region });
        byRegion.set(region, client);
      }
      return client;
    },
    s3: new S3Client({
      ...common,
      region: config.region,
      ...(s3Endpoint ? { endpoint: s3Endpoint, forcePathStyle: true } : {}),
    }),
  };
}
