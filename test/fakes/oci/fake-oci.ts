import { createHash, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { FakeHttpServer, type FakeRequest, type FakeReply } from '../rest-cloud/fake-http';
import { FakeMachine } from '../rest-cloud/fake-machine';

interface FakeInstance {
  id: string;
  displayName: string;
  lifecycleState: string;
  shape: string;
  preemptible: boolean;
  freeformTags: Record<string, string>;
  retryToken?: string;
  machine?: FakeMachine;
}

export const PRICE_ITEMS = [
  {
    partNumber: 'B93113',
    displayName: 'Compute - Standard - E4 - OCPU',
    metricName: 'OCPU Per Hour',
    currencyCodeLocalizations: [
      { currencyCode: 'USD', prices: [{ model: 'PAY_AS_YOU_GO', value: 0.025 }] },
      { currencyCode: 'EUR', prices: [{ model: 'PAY_AS_YOU_GO', value: 0.0232 }] },
    ],
  },
  {
    partNumber: 'B93114',
    displayName: 'Compute - Standard - E4 - Memory',
    metricName: 'Gigabyte Per Hour',
    currencyCodeLocalizations: [{ currencyCode: 'USD', prices: [{ model: 'PAY_AS_YOU_GO', value: 0.0015 }] }],
  },
  {
    partNumber: 'B95909',
    displayName: 'Compute - GPU - A10',
    metricName: 'GPU Per Hour',
    currencyCodeLocalizations: [{ currencyCode: 'USD', prices: [{ model: 'PAY_AS_YOU_GO', value: 2 }] }],
  },
];

/**
 * OCI Core Services contract fake. Every request's signature is verified the way the service does: the
 * signing string is rebuilt from the headers the `Authorization` header names, the body hash is checked, and
 * the RSA-SHA256 signature is verified with the user's public key registered for the key id.
 */
export class FakeOci {
  readonly http: FakeHttpServer;
  readonly instances = new Map<string, FakeInstance>();
  readonly keys: { publicKey: KeyObject; privateKeyPem: string };
  readonly keyId: string;
  private seq = 1;

  constructor(tenancy = 'ocid1.tenancy.oc1..t', user = 'ocid1.user.oc1..u', fingerprint = '20:3b:97:13') {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.keys = {
      publicKey: pair.publicKey,
      privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    this.keyId = `${tenancy}/${user}/${fingerprint}`;
    this.http = new FakeHttpServer((req) =>
      req.path.startsWith('/prices') ? null : this.verifySignature(req),
    );
    this.http
      .on('GET', /^\/prices\/$/, () => ({ status: 200, body: { items: PRICE_ITEMS } }))
      .on('GET', /^\/20160918\/instances$/, (req) => {
        const name = req.query.get('displayName');
        if (!req.query.get('compartmentId'))
          return error(400, 'MissingParameter', 'compartmentId is required');
        return {
          status: 200,
          body: [...this.instances.values()].filter((i) => !name || i.displayName === name).map(view),
        };
      })
      .on('POST', /^\/20160918\/instances$/, (req) => this.launch(req))
      .on('GET', /^\/20160918\/instances\/([^/]+)$/, (_r, [id]) => {
        const i = this.instances.get(decodeURIComponent(id!));
        return i
          ? { status: 200, body: view(i) }
          : error(404, 'NotAuthorizedOrNotFound', 'Authorization failed or requested resource not found.');
      })
      .on('DELETE', /^\/20160918\/instances\/([^/]+)$/, (req, [id]) => {
        const i = this.instances.get(decodeURIComponent(id!));
        if (!i || i.lifecycleState === 'TERMINATED')
          return error(
            404,
            'NotAuthorizedOrNotFound',
            'Authorization failed or requested resource not found.',
          );
        if (req.query.get('preserveBootVolume') !== 'false')
          return error(400, 'InvalidParameter', 'boot volume would leak');
        i.machine?.dispose();
        i.lifecycleState = 'TERMINATED';
        return { status: 204 };
      });
  }

  get apiUrl(): string {
    return this.http.url;
  }

  /** Instances not terminated (terminated ones stay listed for a while, as in OCI). */
  get live(): number {
    return [...this.instances.values()].filter((i) => i.lifecycleState !== 'TERMINATED').length;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    for (const i of this.instances.values()) i.machine?.dispose();
    await this.http.stop();
  }

  /** OCI reclaims a preemptible instance: it is terminated (preemption action TERMINATE). */
  preempt(id: string): void {
    const i = this.instances.get(id)!;
    i.machine?.kill();
    i.lifecycleState = 'TERMINATED';
  }

  verifySignature(req: FakeRequest): FakeReply | null {
    const auth = String(req.headers.authorization ?? '');
    const params: Record<string, string> = Object.fromEntries(
      [...auth.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']),
    );
    const deny = (why: string) =>
      error(
        401,
        'NotAuthenticated',
        `The required information to complete authentication was not provided or was incorrect (${why}).`,
      );
    if (!auth.startsWith('Signature ') || params.version !== '1' || params.algorithm !== 'rsa-sha256')
      return deny('scheme');
    if (params.keyId !== this.keyId) return deny('key id');
    const names = (params.headers ?? '').split(' ');
    const required = [
      '(request-target)',
      'date',
      'host',
      ...(['POST', 'PUT', 'PATCH'].includes(req.method)
        ? ['x-content-sha256', 'content-type', 'content-length']
        : []),
    ];
    if (required.some((h) => !names.includes(h))) return deny('missing signed headers');
    if (Math.abs(Date.parse(String(req.headers.date)) - Date.now()) > 5 * 60_000) return deny('clock skew');
    if (
      names.includes('x-content-sha256') &&
      req.headers['x-content-sha256'] !== createHash('sha256').update(req.raw).digest('base64')
    )
      return deny('body hash');
    const search = new URLSearchParams(req.query).toString();
    const target = `${req.method.toLowerCase()} ${req.path}${search ? `?${search}` : ''}`;
    const signing = names
      .map((n) => (n === '(request-target)' ? `${n}: ${target}` : `${n}: ${String(req.headers[n])}`))
      .join('\n');
    const ok = verify(
      'sha256',
      Buffer.from(signing),
      this.keys.publicKey,
      Buffer.from(params.signature ?? '', 'base64'),
    );
    return ok ? null : deny('signature');
  }

  private launch(req: FakeRequest) {
    const b = req.body as Record<string, unknown>;
    const token = String(req.headers['opc-retry-token'] ?? '');
    const replay = [...this.instances.values()].find((i) => token && i.retryToken === token);
    if (replay) return { status: 200, body: view(replay) };
    for (const f of ['compartmentId', 'availabilityDomain', 'shape', 'sourceDetails', 'createVnicDetails']) {
      if (!b[f]) return error(400, 'MissingParameter', `${f} is required`);
    }
    const metadata = (b.metadata as Record<string, string>) ?? {};
    const i: FakeInstance = {
      id: `ocid1.instance.oc1.eu-frankfurt-1.fake${this.seq++}`,
      displayName: String(b.displayName),
      lifecycleState: 'RUNNING',
      shape: String(b.shape),
      preemptible: Boolean(b.preemptibleInstanceConfig),
      freeformTags: (b.freeformTags as Record<string, string>) ?? {},
      retryToken: token || undefined,
    };
    this.instances.set(i.id, i);
    if (metadata.user_data) {
      i.machine = new FakeMachine(
        Buffer.from(metadata.user_data, 'base64').toString('utf8'),
        {},
        () => (i.lifecycleState = 'STOPPED'),
      );
    }
    return { status: 200, body: view(i) };
  }
}

const view = (i: FakeInstance) => ({
  id: i.id,
  displayName: i.displayName,
  lifecycleState: i.lifecycleState,
  shape: i.shape,
  freeformTags: i.freeformTags,
  preemptibleInstanceConfig: i.preemptible
    ? { preemptionAction: { type: 'TERMINATE', preserveBootVolume: false } }
    : null,
});
const error = (status: number, code: string, message: string): FakeReply => ({
  status,
  body: { code, message },
});
