import type { ComputeManagementClient } from '@azure/arm-compute';
import { AzureCredential, MANAGEMENT_SCOPE, type AzureTokenCredential } from './azure-credential';
import { azureFetch, type AzureConfig } from './azure-http';

const NETWORK_API_VERSION = '2024-05-01';
const DEFAULT_MANAGEMENT = 'https://management.azure.com';

/** A Microsoft.Network resource as ARM returns it (only what the adapter reads). */
export interface NetworkResource {
  id: string;
  name: string;
  tags?: Record<string, string>;
  properties?: Record<string, unknown>;
}

/** What the Azure adapter talks to: the compute SDK client, ARM REST for the network, and the credential. */
export interface AzureArm {
  compute: ComputeManagementClient;
  network: AzureNetwork;
  credential: AzureTokenCredential;
}

/**
 * Builds the clients. `@azure/arm-compute` is imported here, lazily, so a platform without Azure never loads
 * it. The SDK's bearer policy refuses plain-http endpoints (tests), so the token is set by our own policy, the
 * same way in production; each try gets the configured timeout.
 */
export async function createAzureArm(config: AzureConfig): Promise<AzureArm> {
  AzureCredential.validate(config);
  if (!config.subscription_id) throw new Error('ARTENIC_AZURE__SUBSCRIPTION_ID is required');
  const { ComputeManagementClient } = await import('@azure/arm-compute');
  const credential = new AzureCredential(config);
  const endpoint = managementEndpoint(config);
  const compute = new ComputeManagementClient(credential, config.subscription_id, {
    endpoint,
    allowInsecureConnection: endpoint.startsWith('http://'),
    retryOptions: { maxRetries: config.max_attempts - 1, retryDelayInMs: 250, maxRetryDelayInMs: 5000 },
  });
  compute.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
  compute.pipeline.addPolicy({
    name: 'artenicAzureAuth',
    sendRequest: async (request, next) => {
      const token = await credential.getToken(MANAGEMENT_SCOPE);
      request.headers.set('authorization', `Bearer ${token.token}`);
      request.timeout = config.request_timeout_ms;
      return next(request);
    },
  });
  return { compute, network: new AzureNetwork(config, credential), credential };
}

export function managementEndpoint(config: AzureConfig): string {
  return (config.management_endpoint || DEFAULT_MANAGEMENT).replace(/\/+$/, '');
}

/**
 * Network interfaces and public IPs through ARM REST (`@azure/arm-network` is not a dependency): PUT creates
 * or updates (idempotent by name), DELETE is idempotent (404 = already gone), GET on the collection lists.
 */
export class AzureNetwork {
  constructor(
    private readonly config: AzureConfig,
    private readonly credential: AzureTokenCredential,
  ) {}

  resourceId(kind: 'networkInterfaces' | 'publicIPAddresses', name: string): string {
    const c = this.config;
    return (
      `/subscriptions/${c.subscription_id}/resourceGroups/${c.resource_group}` +
      `/providers/Microsoft.Network/${kind}/${name}`
    );
  }

  subnetId(): string {
    const c = this.config;
    return (
      `/subscriptions/${c.subscription_id}/resourceGroups/${c.resource_group}` +
      `/providers/Microsoft.Network/virtualNetworks/${c.vnet_name}/subnets/${c.subnet_name}`
    );
  }

  async put(id: string, body: Record<string, unknown>): Promise<NetworkResource> {
    const response = await this.call('PUT', id, JSON.stringify(body));
    return (await response.json()) as NetworkResource;
  }

  async get(id: string): Promise<NetworkResource | null> {
    try {
      return (await (await this.call('GET', id)).json()) as NetworkResource;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return null;
      throw error;
    }
  }

  /** Deletes the resource; true when it existed. */
  async delete(id: string): Promise<boolean> {
    try {
      await this.call('DELETE', id);
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw error;
    }
  }

  async list(kind: 'networkInterfaces' | 'publicIPAddresses'): Promise<NetworkResource[]> {
    const found: NetworkResource[] = [];
    let path: string | null = this.resourceId(kind, '').replace(/\/$/, '');
    for (let page = 0; path && page < 100; page++) {
      const body = (await (await this.call('GET', path)).json()) as {
        value?: NetworkResource[];
        nextLink?: string;
      };
      found.push(...(body.value ?? []));
      path = body.nextLink ?? null;
    }
    return found;
  }

  private async call(method: 'GET' | 'PUT' | 'DELETE', pathOrUrl: string, body?: string): Promise<Response> {
    const token = await this.credential.getToken(MANAGEMENT_SCOPE);
    const base = pathOrUrl.startsWith('http') ? pathOrUrl : managementEndpoint(this.config) + pathOrUrl;
    const url = base.includes('api-version=') ? base : `${base}?api-version=${NETWORK_API_VERSION}`;
    return azureFetch(
      {
        method,
        url,
        headers: {
          authorization: `Bearer ${token?.token ?? ''}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body } : {}),
      },
      { timeoutMs: this.config.request_timeout_ms, maxAttempts: this.config.max_attempts },
    );
  }
}
