import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { PreparedRequest } from '@app/providers/http/rest-client';

export interface OciSigningKey {
  /** `<tenancy OCID>/<user OCID>/<key fingerprint>` */
  keyId: string;
  privateKey: KeyObject;
}

export function ociSigningKey(
  tenancy: string,
  user: string,
  fingerprint: string,
  pem: string,
): OciSigningKey {
  return { keyId: `${tenancy}/${user}/${fingerprint}`, privateKey: createPrivateKey(pem) };
}

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * OCI request signing (draft-cavage HTTP signatures, version 1, rsa-sha256): the signed headers are
 * `(request-target) date host`, plus `x-content-sha256 content-type content-length` for requests with a body,
 * as Oracle's "Request Signatures" page specifies. Returns the headers to add to the request.
 */
export function signOciRequest(
  req: PreparedRequest,
  key: OciSigningKey,
  now = new Date(),
): Record<string, string> {
  const headers: Record<string, string> = { date: now.toUTCString(), host: req.url.host };
  const names = ['(request-target)', 'date', 'host'];
  if (WITH_BODY.has(req.method)) {
    const body = req.body ?? Buffer.alloc(0);
    headers['x-content-sha256'] = createHash('sha256').update(body).digest('base64');
    headers['content-type'] = req.headers['content-type'] ?? 'application/json';
    headers['content-length'] = String(body.length);
    names.push('x-content-sha256', 'content-type', 'content-length');
  }
  const target = `${req.method.toLowerCase()} ${req.url.pathname}${req.url.search}`;
  const signingString = names
    .map((n) => (n === '(request-target)' ? `${n}: ${target}` : `${n}: ${headers[n]}`))
    .join('\n');
  const signature = sign('sha256', Buffer.from(signingString, 'utf8'), key.privateKey).toString('base64');
  headers.authorization =
    `Signature version="1",keyId="${key.keyId}",algorithm="rsa-sha256",` +
    `headers="${names.join(' ')}",signature="${signature}"`;
  return headers;
}
