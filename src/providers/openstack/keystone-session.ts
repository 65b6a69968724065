import { z } from 'zod';
import {
  ProviderApiError,
  RestClient,
  type HttpMethod,
  type RequestOptions,
  type RestResponse,
} from '@app/providers/http/rest-client';

export interface KeystoneConfig {
  auth_url: string;
  username: string;
  password: string;
  application_credential_id: string;
  application_credential_secret: string;
  project_id: string;
  project_name: string;
  user_domain_name: string;
  project_domain_name: string;
  region: string;
  request_timeout_ms: number;
  max_attempts: number;
}

const tokenBody = z.object({
  token: z.object({
    expires_at: z.string(),
    catalog: z.array(
      z.object({
        type: z.string(),
        endpoints: z.array(
          z.object({
            interface: z.string(),
            region: z.string().nullable().optional(),
            region_id: z.string().nullable().optional(),
            url: z.string(),
          }),
        ),
      }),
    ),
  }),
});

interface Token {
  value: string;
  expiresAt: number;
  catalog: z.infer<typeof tokenBody>['token']['catalog'];
}

/**
 * Keystone v3 authentication (password or application credential, project-scoped): the token comes back in
 * `X-Subject-Token`, the service endpoints in the token's catalog. The token is cached until shortly before it
 * expires (a credential cache, not job state) and renewed once when a service answers 401.
 */
export class KeystoneSession {
  private token: Token | null = null;
  private readonly identity: RestClient;

  constructor(
    readonly provider: string,
    private readonly cfg: KeystoneConfig,
  ) {
    this.identity = this.client(cfg.auth_url, false);
  }

  client(baseUrl: string, authenticated = true): RestClient {
    return new RestClient({
      provider: this.provider,
      baseUrl,
      timeoutMs: this.cfg.request_timeout_ms,
      maxRetries: this.cfg.max_attempts - 1,
      ...(authenticated
        ? { authenticate: async () => ({ 'x-auth-token': (await this.current()).value }) }
        : {}),
    });
  }

  /** Public endpoint of a service type (`compute`, `object-store`, `network`, `image`) in the configured region. */
  async endpoint(type: string): Promise<string> {
    const { catalog } = await this.current();
    const service = catalog.find((s) => s.type === type);
    const ep = service?.endpoints.find(
      (e) => e.interface === 'public' && (e.region_id ?? e.region) === this.cfg.region,
    );
    if (!ep)
      throw new ProviderApiError(
        this.provider,
        404,
        `no public ${type} endpoint in region ${this.cfg.region} in the Keystone catalog`,
      );
    return ep.url.replace(/\/$/, '');
  }

  /** A request to a service; a 401 (revoked or expired token) renews the token and retries once. */
  async call<T>(
    api: RestClient,
    method: HttpMethod,
    path: string,
    opts: RequestOptions<T> = {},
  ): Promise<RestResponse<T>> {
    try {
      return await api.send(method, path, opts);
    } catch (error) {
      if (!(error instanceof ProviderApiError) || error.status !== 401) throw error;
      this.token = null;
      return api.send(method, path, opts);
    }
  }

  private async current(): Promise<Token> {
    if (this.token && this.token.expiresAt - Date.now() > 60_000) return this.token;
    const res = await this.identity.send('POST', '/auth/tokens', {
      json: this.authBody(),
      schema: tokenBody,
    });
    const value = res.headers['x-subject-token'];
    if (!value)
      throw new ProviderApiError(this.provider, res.status, 'Keystone answered without X-Subject-Token');
    this.token = { value, expiresAt: Date.parse(res.data.token.expires_at), catalog: res.data.token.catalog };
    return this.token;
  }

  private authBody(): unknown {
    const c = this.cfg;
    if (c.application_credential_id) {
      return {
        auth: {
          identity: {
            methods: ['application_credential'],
            application_credential: {
              id: c.application_credential_id,
              secret: c.application_credential_secret,
            },
          },
        },
      };
    }
    const project = c.project_id
      ? { id: c.project_id }
      : { name: c.project_name, domain: { name: c.project_domain_name } };
    return {
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: c.username, domain: { name: c.user_domain_name }, password: c.password },
          },
        },
        scope: { project },
      },
    };
  }
}
