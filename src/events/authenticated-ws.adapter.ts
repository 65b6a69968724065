import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { ApiKeyAuth } from '../common/auth/api-key-auth';

/** The subprotocol a browser offers next to its token: `new WebSocket(url, ['artenic.bearer', key])`. */
export const WS_AUTH_PROTOCOL = 'artenic.bearer';

/**
 * The ws adapter with authentication at the handshake: a missing or wrong key is refused with HTTP 401
 * before the upgrade (browsers cannot set headers, so the token may come as `?token=`, as a subprotocol,
 * or as a Bearer header for other clients).
 */
export class AuthenticatedWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly auth: ApiKeyAuth,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> = {}): unknown {
    return super.create(port, {
      ...options,
      verifyClient: (
        info: { req: IncomingMessage },
        done: (ok: boolean, code?: number, message?: string, headers?: Record<string, string>) => void,
      ) => {
        if (this.auth.verify(wsToken(info.req))) return done(true);
        done(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Bearer realm="artenic"' });
      },
      handleProtocols: (protocols: Set<string>) =>
        protocols.has(WS_AUTH_PROTOCOL) ? WS_AUTH_PROTOCOL : false,
    });
  }
}

export function wsToken(req: IncomingMessage): string | undefined {
  const header = ApiKeyAuth.bearer(req.headers.authorization);
  if (header) return header;
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) return query;
  const offered = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  return offered.includes(WS_AUTH_PROTOCOL) ? offered.find((p) => p !== WS_AUTH_PROTOCOL) : undefined;
}
