import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FakeMachine } from '../rest-cloud/fake-machine';
import { fakeListener } from '../http-handler';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface InjectedFailure {
  status: number;
  code: string;
  headers?: Record<string, string>;
  /** Never answer: the client's timeout must fire. */
  hang?: boolean;
  /** Only requests whose `METHOD /path` matches fail (default: any ARM request). */
  match?: RegExp;
}

interface Vm {
  body: Json;
  power: 'running' | 'stopped' | 'deallocated';
  machine: FakeMachine;
}

export interface RetailItem {
  armSkuName: string;
  skuName: string;
  productName: string;
  retailPrice: number;
  unitOfMeasure: string;
  currencyCode: string;
  armRegionName: string;
}

const PRICE_PAGE = 2;

/**
 * Azure at the wire, on one port: Entra ID token endpoint (`/{tenant}/oauth2/v2.0/token`), ARM compute
 * (virtual machines, api-version from the SDK) and network (NICs, public IPs) under `/subscriptions/…`, Blob
 * storage under `/{account}/{container}/{blob}`, the instance metadata token endpoint the VMs use, and the
 * Retail Prices API (`/api/retail/prices`, paged). A created VM boots its custom data for real with bash
 * (decoded once); a power-off leaves it stopped but allocated, as on Azure. Every call is authenticated with
 * a token this fake issued for the right audience, and the inventory shows what would still be billed.
 */
export class FakeAzure {
  private server: Server | undefined;
  readonly vms = new Map<string, Vm>();
  readonly network = new Map<string, Json>();
  readonly disks = new Set<string>();
  readonly blobs = new Map<string, Buffer>();
  readonly armCalls: string[] = [];
  private readonly tokens = new Map<string, 'management' | 'storage'>();
  private readonly failures: InjectedFailure[] = [];
  private readonly hung: ServerResponse[] = [];
  priceItems: RetailItem[] = [];
  priceFailure: InjectedFailure | null = null;
  url = '';

  constructor(
    readonly account: string,
    private readonly client: { tenant: string; id: string; secret: string },
  ) {}

  async start(): Promise<this> {
    this.server = createServer(fakeListener((req, res) => this.handle(req, res)));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    for (const vm of this.vms.values()) vm.machine.dispose();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  /** The next `count` ARM requests fail this way. */
  failNext(count: number, failure: InjectedFailure): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  /** Every billed resource still present. */
  inventory(): { vms: string[]; nics: string[]; publicIps: string[]; disks: string[] } {
    const of = (kind: string) =>
      [...this.network.values()]
        .filter((r) => r.type === `Microsoft.Network/${kind}`)
        .map((r) => r.name as string);
    return {
      vms: [...this.vms.keys()],
      nics: of('networkInterfaces'),
      publicIps: of('publicIPAddresses'),
      disks: [...this.disks],
    };
  }

  /** What the platform sent for a VM (wire body). */
  vmBody(name: string): Json | undefined {
    return this.vms.get(name)?.body;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    try {
      if (url.pathname.endsWith('/oauth2/v2.0/token')) return this.login(url, body, res);
      if (url.pathname === '/metadata/identity/oauth2/token') return this.imds(req, res);
      if (url.pathname === '/api/retail/prices') return this.prices(url, res);
      if (url.pathname.startsWith('/subscriptions/')) return this.arm(req, url, body, res);
      if (url.pathname.startsWith(`/${this.account}/`)) return this.blob(req, url, body, res);
      json(res, 404, { error: { code: 'NotFound', message: url.pathname } });
    } catch (error) {
      json(res, 500, { error: { code: 'FakeFailure', message: String(error) } });
    }
  }

  private login(url: URL, body: Buffer, res: ServerResponse): void {
    const form = new URLSearchParams(body.toString());
    const tenant = url.pathname.split('/')[1];
    const ok =
      tenant === this.client.tenant &&
      form.get('grant_type') === 'client_credentials' &&
      form.get('client_id') === this.client.id &&
      form.get('client_secret') === this.client.secret;
    if (!ok) return json(res, 401, { error: 'invalid_client', error_description: 'bad client credentials' });
    const scope = form.get('scope') ?? '';
    const audience = scope === 'https://storage.azure.com/.default' ? 'storage' : 'management';
    if (audience === 'management' && scope !== 'https://management.azure.com/.default') {
      return json(res, 400, { error: 'invalid_scope', error_description: scope });
    }
    json(res, 200, { token_type: 'Bearer', expires_in: 3599, access_token: this.issue(audience) });
  }

  private imds(req: IncomingMessage, res: ServerResponse): void {
    if (req.headers.metadata !== 'true') return json(res, 400, { error: 'Metadata header required' });
    json(res, 200, { access_token: this.issue('storage'), expires_in: '86399', token_type: 'Bearer' });
  }

  private issue(audience: 'management' | 'storage'): string {
    const token = `${audience}-${this.tokens.size + 1}-${Math.random().toString(36).slice(2)}`;
    this.tokens.set(token, audience);
    return token;
  }

  private authorized(req: IncomingMessage, audience: 'management' | 'storage'): boolean {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    return this.tokens.get(token) === audience;
  }

  private prices(url: URL, res: ServerResponse): void {
    if (this.priceFailure) {
      return json(res, this.priceFailure.status, {
        error: { code: this.priceFailure.code, message: 'injected' },
      });
    }
    const filter = url.searchParams.get('$filter') ?? '';
    const region = /armRegionName eq '([^']+)'/.exec(filter)?.[1];
    if (!/serviceName eq 'Virtual Machines'/.test(filter) || !region) {
      return json(res, 400, { error: { code: 'BadFilter', message: filter } });
    }
    const matching = this.priceItems.filter((i) => i.armRegionName === region);
    const skip = Number(url.searchParams.get('$skip') ?? 0);
    const next = skip + PRICE_PAGE < matching.length ? new URL(url.toString()) : null;
    next?.searchParams.set('$skip', String(skip + PRICE_PAGE));
    json(res, 200, {
      BillingCurrency: 'USD',
      Items: matching.slice(skip, skip + PRICE_PAGE),
      NextPageLink: next ? next.toString() : null,
      Count: Math.min(PRICE_PAGE, matching.length - skip),
    });
  }

  // ---------------------------------------------------------------- ARM

  private arm(req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse): void {
    this.armCalls.push(`${req.method} ${url.pathname}`);
    if (!this.authorized(req, 'management')) {
      return json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'no valid token' } });
    }
    if (!url.searchParams.get('api-version')) {
      return json(res, 400, { error: { code: 'MissingApiVersionParameter', message: 'api-version' } });
    }
    const call = `${req.method} ${url.pathname}`;
    const at = this.failures.findIndex((f) => !f.match || f.match.test(call));
    const failure = at >= 0 ? this.failures.splice(at, 1)[0] : undefined;
    if (failure?.hang) {
      this.hung.push(res);
      return;
    }
    if (failure) {
      res.writeHead(failure.status, { 'content-type': 'application/json', ...failure.headers });
      res.end(JSON.stringify({ error: { code: failure.code, message: `injected ${failure.code}` } }));
      return;
    }
    const parts = url.pathname.split('/');
    // /subscriptions/{s}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}/{action}
    const [namespace, type, name, action] = [parts[6], parts[7], parts[8], parts[9]];
    const input = body.length ? (JSON.parse(body.toString()) as Json) : {};
    if (namespace === 'Microsoft.Compute' && type === 'virtualMachines') {
      return this.vmRoute(req.method ?? 'GET', url, name, action, input, res);
    }
    if (namespace === 'Microsoft.Network' && (type === 'networkInterfaces' || type === 'publicIPAddresses')) {
      return this.networkRoute(req.method ?? 'GET', url.pathname, type, name, input, res);
    }
    json(res, 404, { error: { code: 'ResourceNotFound', message: url.pathname } });
  }

  private vmRoute(
    method: string,
    url: URL,
    name: string | undefined,
    action: string | undefined,
    input: Json,
    res: ServerResponse,
  ): void {
    if (!name) return json(res, 200, { value: [...this.vms.values()].map((vm) => this.vmView(vm, false)) });
    const vm = this.vms.get(name);
    if (method === 'PUT') return this.createVm(url.pathname, name, input, res);
    if (!vm) return json(res, 404, { error: { code: 'ResourceNotFound', message: `VM ${name} not found` } });
    if (method === 'GET' && action === 'instanceView') return json(res, 200, this.instanceView(vm));
    if (method === 'GET')
      return json(res, 200, this.vmView(vm, url.searchParams.get('$expand') === 'instanceView'));
    if (method === 'DELETE') {
      this.deleteVm(name);
      res.writeHead(200).end();
      return;
    }
    if (method === 'POST' && action === 'simulateEviction') {
      if (vm.body.properties?.priority !== 'Spot') {
        return json(res, 409, { error: { code: 'OperationNotAllowed', message: 'not a Spot VM' } });
      }
      vm.machine.kill();
      if (vm.body.properties?.evictionPolicy === 'Delete') this.deleteVm(name);
      else vm.power = 'deallocated';
      res.writeHead(204).end();
      return;
    }
    json(res, 405, { error: { code: 'MethodNotAllowed', message: method } });
  }

  private createVm(path: string, name: string, input: Json, res: ServerResponse): void {
    const existing = this.vms.get(name);
    if (existing) return json(res, 200, this.vmView(existing, false));
    const props = (input.properties ?? {}) as Json;
    const nics = (props.networkProfile?.networkInterfaces ?? []) as Json[];
    const missing = nics.find((n) => !this.network.has(String(n.id).toLowerCase()));
    if (nics.length === 0 || missing) {
      return json(res, 400, {
        error: { code: 'InvalidResourceReference', message: `NIC ${missing?.id} not found` },
      });
    }
    const customData = props.osProfile?.customData as string | undefined;
    if (!customData || !props.hardwareProfile?.vmSize || !input.location) {
      return json(res, 400, { error: { code: 'InvalidParameter', message: 'customData, vmSize, location' } });
    }
    if (props.priority === 'Spot' && !props.evictionPolicy) {
      return json(res, 400, { error: { code: 'InvalidParameter', message: 'Spot needs evictionPolicy' } });
    }
    const script = Buffer.from(customData, 'base64').toString('utf8');
    const stored: Json = {
      ...input,
      id: path,
      name,
      type: 'Microsoft.Compute/virtualMachines',
      properties: { ...props, provisioningState: 'Succeeded', vmId: `vm-${name}` },
    };
    const machine = new FakeMachine(script, { ARTENIC_IMDS_ENDPOINT: this.url }, () => {
      const vm = this.vms.get(name);
      if (vm && vm.machine === machine) vm.power = 'stopped'; // still allocated: the platform must delete it
    });
    this.vms.set(name, { body: stored, power: 'running', machine });
    this.disks.add(`${name}_OsDisk`);
    json(res, 201, this.vmView(this.vms.get(name)!, false));
  }

  /** Removes the VM, and what it was told to delete with it (deleteOption). */
  private deleteVm(name: string): void {
    const vm = this.vms.get(name);
    if (!vm) return;
    vm.machine.kill();
    this.vms.delete(name);
    const props = vm.body.properties as Json;
    if (props.storageProfile?.osDisk?.deleteOption === 'Delete') this.disks.delete(`${name}_OsDisk`);
    for (const ref of (props.networkProfile?.networkInterfaces ?? []) as Json[]) {
      const deleteOption = ref.properties?.deleteOption as string | undefined;
      if (deleteOption !== 'Delete') continue;
      const nic = this.network.get(String(ref.id).toLowerCase());
      this.network.delete(String(ref.id).toLowerCase());
      for (const conf of (nic?.properties?.ipConfigurations ?? []) as Json[]) {
        const ip = conf.properties?.publicIPAddress as Json | undefined;
        if (ip?.properties?.deleteOption === 'Delete') this.network.delete(String(ip.id).toLowerCase());
      }
    }
  }

  private vmView(vm: Vm, withInstanceView: boolean): Json {
    if (!withInstanceView) return vm.body;
    return { ...vm.body, properties: { ...vm.body.properties, instanceView: this.instanceView(vm) } };
  }

  private instanceView(vm: Vm): Json {
    return {
      computerName: vm.body.properties?.osProfile?.computerName,
      statuses: [
        { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' },
        { code: `PowerState/${vm.power}`, level: 'Info', displayStatus: `VM ${vm.power}` },
      ],
    };
  }

  private networkRoute(
    method: string,
    path: string,
    type: string,
    name: string | undefined,
    input: Json,
    res: ServerResponse,
  ): void {
    const id = path.toLowerCase();
    if (!name) {
      const value = [...this.network.values()].filter((r) => r.type === `Microsoft.Network/${type}`);
      return json(res, 200, { value });
    }
    const existing = this.network.get(id);
    if (method === 'PUT') {
      const refs = (input.properties?.ipConfigurations ?? []) as Json[];
      if (type === 'networkInterfaces' && (refs.length === 0 || !refs[0]?.properties?.subnet?.id)) {
        return json(res, 400, { error: { code: 'InvalidRequestFormat', message: 'subnet required' } });
      }
      const ip = refs[0]?.properties?.publicIPAddress?.id as string | undefined;
      if (ip && !this.network.has(ip.toLowerCase())) {
        return json(res, 400, { error: { code: 'InvalidResourceReference', message: `${ip} not found` } });
      }
      const stored = {
        ...input,
        id: path,
        name,
        type: `Microsoft.Network/${type}`,
        properties: { ...input.properties, provisioningState: 'Succeeded' },
      };
      this.network.set(id, stored);
      return json(res, existing ? 200 : 201, stored);
    }
    if (!existing)
      return json(res, 404, { error: { code: 'ResourceNotFound', message: `${name} not found` } });
    if (method === 'GET') return json(res, 200, existing);
    if (method === 'DELETE') {
      const user = this.attachedTo(path);
      if (user)
        return json(res, 400, {
          error: {
            code: type === 'networkInterfaces' ? 'NicInUse' : 'PublicIPAddressInUse',
            message: `used by ${user}`,
          },
        });
      this.network.delete(id);
      res.writeHead(200).end();
      return;
    }
    json(res, 405, { error: { code: 'MethodNotAllowed', message: method } });
  }

  /** The VM using a NIC, or the NIC using a public IP. */
  private attachedTo(path: string): string | null {
    const id = path.toLowerCase();
    for (const [name, vm] of this.vms) {
      const refs = (vm.body.properties?.networkProfile?.networkInterfaces ?? []) as Json[];
      if (refs.some((r) => String(r.id).toLowerCase() === id)) return name;
    }
    for (const nic of this.network.values()) {
      for (const conf of (nic.properties?.ipConfigurations ?? []) as Json[]) {
        if (String(conf.properties?.publicIPAddress?.id ?? '').toLowerCase() === id)
          return nic.name as string;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- Blob

  private blob(req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse): void {
    if (!this.authorized(req, 'storage') || !req.headers['x-ms-version']) {
      return xml(
        res,
        403,
        '<Error><Code>AuthenticationFailed</Code><Message>bearer token and x-ms-version required</Message></Error>',
      );
    }
    const [, , container, ...rest] = url.pathname.split('/').map(decodeURIComponent);
    const key = `${container}/${rest.join('/')}`;
    if (url.searchParams.get('comp') === 'list' && url.searchParams.get('restype') === 'container') {
      return this.listBlobs(container ?? '', url, res);
    }
    if (req.method === 'PUT') {
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
        return xml(
          res,
          400,
          '<Error><Code>MissingRequiredHeader</Code><Message>x-ms-blob-type</Message></Error>',
        );
      }
      this.blobs.set(key, body);
      res.writeHead(201).end();
      return;
    }
    const stored = this.blobs.get(key);
    if (!stored)
      return xml(
        res,
        404,
        '<Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>',
      );
    if (req.method === 'DELETE') {
      this.blobs.delete(key);
      res.writeHead(202).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stored.length });
    res.end(stored);
  }

  /** List Blobs, two per page so that paging (NextMarker) is exercised. */
  private listBlobs(container: string, url: URL, res: ServerResponse): void {
    const prefix = url.searchParams.get('prefix') ?? '';
    const names = [...this.blobs.keys()]
      .filter((k) => k.startsWith(`${container}/${prefix}`))
      .map((k) => k.slice(container.length + 1))
      .sort();
    const marker = url.searchParams.get('marker') ?? '';
    const from = marker ? names.indexOf(marker) : 0;
    const page = names.slice(Math.max(0, from), Math.max(0, from) + 2);
    const next = names[Math.max(0, from) + 2] ?? '';
    const entries = page
      .map(
        (n) =>
          `<Blob><Name>${escapeXml(n)}</Name><Properties><Content-Length>${this.blobs.get(`${container}/${n}`)!.length}</Content-Length></Properties></Blob>`,
      )
      .join('');
    xml(
      res,
      200,
      `<?xml version="1.0" encoding="utf-8"?><EnumerationResults><Prefix>${escapeXml(prefix)}</Prefix><Blobs>${entries}</Blobs><NextMarker>${escapeXml(next)}</NextMarker></EnumerationResults>`,
    );
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function xml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(body);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
