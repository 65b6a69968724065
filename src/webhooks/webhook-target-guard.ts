import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { invalid } from '../common/errors/domain-error';

/*
 * SSRF guard: webhook targets chosen by API callers must not reach the platform's own network (cloud
 * metadata at 169.254.169.254, loopback admin ports, private ranges) unless an operator allows it. Checked
 * when a subscription is registered and again at every send on the addresses actually connected to, so a
 * DNS answer that changes after registration (rebinding) is caught.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True for loopback, link-local, private, shared, multicast and reserved addresses (IPv4-mapped included). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) return blocked.check(address, 'ipv6');
  return true;
}

export class TargetRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusedError';
  }
}

/** Parses a target URL: http(s) only, no embedded credentials. Throws a 400 naming the `url` field. */
export function parseTargetUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('WEBHOOK_URL_INVALID', 'url must be an absolute http(s) URL.', { field: 'url' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid('WEBHOOK_URL_INVALID', 'url must use http or https.', { field: 'url' });
  }
  if (url.username || url.password) {
    throw invalid('WEBHOOK_URL_INVALID', 'url must not embed credentials; the payload is signed instead.', {
      field: 'url',
    });
  }
  return url;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Every address the host resolves to must be public (unless private targets are allowed). */
export async function assertPublicTarget(url: URL, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = hostOf(url);
  const addresses = isIP(host)
    ? [host]
    : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  const refused = addresses.find(isPrivateAddress);
  if (refused !== undefined) {
    throw new TargetRefusedError(`${host} resolves to ${refused}, a loopback, link-local or private address`);
  }
}

/** Registration-time check: a 400 naming the field when the target is refused or does not resolve. */
export async function checkTargetForRegistration(raw: string, allowPrivate: boolean): Promise<URL> {
  const url = parseTargetUrl(raw);
  try {
    await assertPublicTarget(url, allowPrivate);
  } catch (error) {
    if (error instanceof TargetRefusedError) {
      throw invalid(
        'WEBHOOK_TARGET_REFUSED',
        `url is refused: ${error.message} (set ARTENIC_WEBHOOK__ALLOW_PRIVATE_TARGETS=true to allow it).`,
        { field: 'url' },
      );
    }
    throw invalid('WEBHOOK_TARGET_UNRESOLVABLE', `url host does not resolve: ${(error as Error).message}`, {
      field: 'url',
    });
  }
  return url;
}
