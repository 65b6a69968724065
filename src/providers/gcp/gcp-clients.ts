import type { InstancesClient, MachineTypesClient, ZoneOperationsClient } from '@google-cloud/compute';
import type { AuthClient } from 'google-auth-library';
import type { AppConfig } from '@app/config/app-config.schema';

export type GcpConfig = AppConfig['gcp'];

/** The Compute Engine clients and the authorised HTTP client (GCS, Cloud Billing) the GCP adapter uses. */
export interface GcpClients {
  instances: InstancesClient;
  zoneOperations: ZoneOperationsClient;
  machineTypes: MachineTypesClient;
  /** Signs every request with the configured credentials (`authClient.request`). */
  auth: AuthClient;
}

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

/**
 * Builds the clients from config: a static access token, else a service-account key file, else Application
 * Default Credentials. `@google-cloud/compute` and `google-auth-library` are imported here, lazily: loading
 * compute costs about 120 MB of resident memory, which a platform without GCP must not pay.
 */
export async function createGcpClients(config: GcpConfig): Promise<GcpClients> {
  const [compute, gal] = await Promise.all([import('@google-cloud/compute'), import('google-auth-library')]);
  let auth: AuthClient;
  if (config.access_token) {
    const client = new gal.OAuth2Client();
    client.setCredentials({ access_token: config.access_token });
    auth = client;
  } else {
    const google = new gal.GoogleAuth({
      scopes: SCOPES,
      ...(config.credentials_path ? { keyFilename: config.credentials_path } : {}),
    });
    auth = await google.getClient();
  }
  // gaxios would otherwise `import('node-fetch')` on first use; Node's own fetch does the same job (and works
  // under Jest, where dynamic imports need --experimental-vm-modules).
  auth.transporter.defaults.fetchImplementation = fetch;
  type GaxAuth = NonNullable<ConstructorParameters<typeof compute.InstancesClient>[0]>['authClient'];
  const options = {
    // google-gax pins its own copy of google-auth-library; the client is the same class at run time.
    authClient: auth as unknown as GaxAuth,
    fallback: true,
    ...endpointOptions(config.compute_endpoint),
  };
  return {
    instances: new compute.InstancesClient(options),
    zoneOperations: new compute.ZoneOperationsClient(options),
    machineTypes: new compute.MachineTypesClient(options),
    auth,
  };
}

/** `http://127.0.0.1:9000` → gax's apiEndpoint/port/protocol (it builds `${protocol}://${host}:${port}/compute/v1`). */
function endpointOptions(endpoint: string): Record<string, unknown> {
  if (!endpoint) return {};
  const url = new URL(endpoint);
  const protocol = url.protocol.replace(':', '');
  return {
    apiEndpoint: url.hostname,
    port: Number(url.port || (protocol === 'http' ? 80 : 443)),
    protocol,
  };
}

/** Per-call budget: the configured timeout, and retries of idempotent reads bounded by `max_attempts`. */
export function callOptions(config: GcpConfig): { timeout: number; maxRetries: number } {
  return { timeout: config.request_timeout_ms, maxRetries: config.max_attempts - 1 };
}
