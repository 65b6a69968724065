import { azureFetch, type AzureConfig } from './azure-http';

export const MANAGEMENT_SCOPE = 'https://management.azure.com/.default';
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';

export interface AccessToken {
  token: string;
  expiresOnTimestamp: number;
}

/** The `TokenCredential` shape the Azure SDK clients accept. */
export interface AzureTokenCredential {
  getToken(scopes: string | string[]): Promise<AccessToken | null>;
}

/**
 * A service principal's client-credentials token from Microsoft Entra ID (`login_endpoint/{tenant}/oauth2/
 * v2.0/token`), cached per scope until a minute before it expires; or the configured static `access_token`
 * for every scope. `@azure/identity` is not used: it requires Node 22.
 */
export class AzureCredential implements AzureTokenCredential {
  private readonly cache = new Map<string, Promise<AccessToken>>();

  constructor(
    private readonly config: AzureConfig,
    private readonly now: () => number = Date.now,
  ) {}

  static validate(config: AzureConfig): void {
    if (config.access_token) return;
    if (!config.tenant_id || !config.client_id || !config.client_secret) {
      throw new Error(
        'Azure credentials missing: set ARTENIC_AZURE__ACCESS_TOKEN or ARTENIC_AZURE__TENANT_ID, ' +
          'ARTENIC_AZURE__CLIENT_ID and ARTENIC_AZURE__CLIENT_SECRET',
      );
    }
  }

  async getToken(scopes: string | string[]): Promise<AccessToken> {
    if (this.config.access_token) {
      return { token: this.config.access_token, expiresOnTimestamp: this.now() + 3600_000 };
    }
    const scope = Array.isArray(scopes) ? (scopes[0] ?? MANAGEMENT_SCOPE) : scopes;
    const cached = this.cache.get(scope);
    if (cached) {
      const token = await cached.catch(() => null);
      if (token && token.expiresOnTimestamp - 60_000 > this.now()) return token;
    }
    const fresh = this.fetchToken(scope);
    this.cache.set(scope, fresh);
    void fresh.catch(() => this.cache.delete(scope));
    return fresh;
  }

  private async fetchToken(scope: string): Promise<AccessToken> {
    const c = this.config;
    const response = await azureFetch(
      {
        method: 'POST',
        url: `${c.login_endpoint.replace(/\/+$/, '')}/${encodeURIComponent(c.tenant_id)}/oauth2/v2.0/token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: c.client_id,
          client_secret: c.client_secret,
          scope,
        }).toString(),
      },
      { timeoutMs: c.request_timeout_ms, maxAttempts: c.max_attempts },
    );
    const body = (await response.json()) as { access_token?: string; expires_in?: number | string };
    if (!body.access_token) throw new Error('Azure token endpoint returned no access_token');
    const seconds = Number(body.expires_in ?? 3600);
    return { token: body.access_token, expiresOnTimestamp: this.now() + seconds * 1000 };
  }
}
