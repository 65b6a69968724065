import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config.schema';
import { ensureRequestId } from '../common/http/request-id';

/** Fields whose values never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.secret_key',
  '*.client_secret',
  '*.api_key',
  '*.access_key',
  '*.secret_access_key',
  '*.token',
  '*.private_key',
  '*.value_plaintext',
];

export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.log_level,
      genReqId: (req, res) => ensureRequestId(req, res),
      customAttributeKeys: { reqId: 'request_id' },
      quietReqLogger: true,
      redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
      serializers: {
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          remote_address: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ status_code: res.statusCode }),
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    },
  };
}
