import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { fakeListener } from '../http-handler';

export interface GceInstanceRecord {
  kind: 'compute#instance';
  id: string;
  name: string;
  zone: string;
  status: string;
  machineType: string;
  labels: Record<string, string>;
  metadata: { items: Array<{ key: string; value: string }> };
  scheduling: Record<string, unknown>;
  guestAccelerators?: unknown[];
  disks: unknown[];
}

export interface InjectedFailure {
  status: number;
  reason: string;
  headers?: Record<string, string>;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
}

const MACHINE_TYPES: Record<string, { guestCpus: number; memoryMb: number; accelerators?: unknown[] }> = {
  'e2-standard-4': { guestCpus: 4, memoryMb: 16384 },
  'n1-standard-4': { guestCpus: 4, memoryMb: 15360 },
  'g2-standard-8': {
    guestCpus: 8,
    memoryMb: 32768,
    accelerators: [{ guestAcceleratorType: 'nvidia-l4', guestAcceleratorCount: 1 }],
  },
};

/**
 * Compute Engine's REST API (`/compute/v1`) for instances, zone operations and machine types, plus the Cloud
 * Billing Catalog's SKU listing, in memory. It checks what it receives (bearer token, required insert fields,
 * label values), keeps names unique (409 alreadyExists) and dedupes inserts by `requestId` as GCE does.
 * `onInsert`/`onDelete` let the machine room boot and kill the VMs.
 */
export class FakeGce {
  private server: Server | undefined;
  readonly instances = new Map<string, GceInstanceRecord>();
  readonly inserts: Array<Record<string, unknown>> = [];
  readonly rejected: string[] = [];
  private readonly operations = new Map<string, Record<string, unknown>>();
  private readonly byRequestId = new Map<string, Record<string, unknown>>();
  private readonly failures: Array<InjectedFailure & { match: RegExp }> = [];
  private readonly hung: ServerResponse[] = [];
  private seq = 0;
  onInsert: (instance: GceInstanceRecord) => void = () => undefined;
  onDelete: (instance: GceInstanceRecord) => void = () => undefined;
  url = '';

  constructor(
    private readonly token: string,
    readonly project: string,
  ) {}

  async start(): Promise<this> {
    this.server = createServer(fakeListener((req, res) => this.handle(req, res)));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  /** The next `count` requests whose `METHOD path` matches fail this way. */
  failNext(count: number, failure: InjectedFailure, match = /./): void {
    for (let i = 0; i < count; i++) this.failures.push({ ...failure, match });
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  /** GCE reclaims a spot VM: with instanceTerminationAction DELETE it is deleted, as a preempted operation. */
  preempt(name: string): void {
    const instance = this.instances.get(name);
    if (!instance) throw new Error(`no instance ${name}`);
    this.operation('compute.instances.preempted', instance);
    if (instance.scheduling.instanceTerminationAction === 'DELETE') this.remove(instance);
    else instance.status = 'TERMINATED';
  }

  /** The guest powered itself off: GCE keeps the instance, TERMINATED. */
  poweredOff(name: string): void {
    const instance = this.instances.get(name);
    if (instance) instance.status = 'TERMINATED';
  }

  live(): GceInstanceRecord[] {
    return [...this.instances.values()];
  }

  private remove(instance: GceInstanceRecord): void {
    this.instances.delete(instance.name);
    this.onDelete(instance);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const route = `${req.method} ${url.pathname}`;
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      this.rejected.push(`401 ${route}`);
      return error(res, 401, 'Request had invalid authentication credentials.', 'authError');
    }
    const failureAt = this.failures.findIndex((f) => f.match.test(route));
    if (failureAt >= 0) {
      const [failure] = this.failures.splice(failureAt, 1);
      if (failure!.hang) return void this.hung.push(res);
      return error(res, failure!.status, `injected ${failure!.reason}`, failure!.reason, failure!.headers);
    }
    if (url.pathname.startsWith('/v1/services/6F81-5844-456A/skus')) return this.skus(res, url);
    const m =
      /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/(instances|operations|machineTypes)(?:\/([^/]+))?(\/wait)?$/.exec(
        url.pathname,
      );
    if (!m || m[1] !== this.project) return error(res, 404, `no route ${route}`, 'notFound');
    const [, , zone, collection, name] = m;
    const body = chunks.length
      ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>)
      : {};
    if (collection === 'machineTypes') return this.machineType(res, name ?? '');
    if (collection === 'operations') {
      const op = this.operations.get(name ?? '');
      return op ? json(res, 200, op) : error(res, 404, `operation ${name} not found`, 'notFound');
    }
    if (req.method === 'POST' && !name)
      return this.insert(res, zone!, body, url.searchParams.get('requestId'));
    if (req.method === 'GET' && !name) return this.list(res, url.searchParams.get('filter') ?? '');
    const instance = this.instances.get(name ?? '');
    if (!instance) return error(res, 404, `The resource '${name}' was not found`, 'notFound');
    if (req.method === 'DELETE') {
      this.remove(instance);
      return json(res, 200, this.operation('delete', instance));
    }
    json(res, 200, instance);
  }

  private insert(
    res: ServerResponse,
    zone: string,
    body: Record<string, unknown>,
    requestId: string | null,
  ): void {
    const previous = requestId ? this.byRequestId.get(requestId) : undefined;
    if (previous) return json(res, 200, previous);
    const problem = this.validate(body);
    if (problem) return error(res, 400, problem, 'invalid');
    const name = body.name as string;
    if (this.instances.has(name)) {
      return error(
        res,
        409,
        `The resource 'projects/${this.project}/zones/${zone}/instances/${name}' already exists`,
        'alreadyExists',
      );
    }
    this.inserts.push(body);
    const instance: GceInstanceRecord = {
      kind: 'compute#instance',
      id: String(1_000_000 + ++this.seq),
      name,
      zone: `${this.url}/compute/v1/projects/${this.project}/zones/${zone}`,
      status: 'RUNNING',
      machineType: body.machineType as string,
      labels: body.labels as Record<string, string>,
      metadata: body.metadata as GceInstanceRecord['metadata'],
      scheduling: (body.scheduling as Record<string, unknown>) ?? {},
      disks: body.disks as unknown[],
      ...(body.guestAccelerators ? { guestAccelerators: body.guestAccelerators as unknown[] } : {}),
    };
    this.instances.set(name, instance);
    const op = this.operation('insert', instance);
    if (requestId) this.byRequestId.set(requestId, op);
    this.onInsert(instance);
    json(res, 200, op);
  }

  private validate(body: Record<string, unknown>): string | null {
    const labels = (body.labels ?? {}) as Record<string, string>;
    const items = ((body.metadata as GceInstanceRecord['metadata'] | undefined)?.items ?? []).map(
      (i) => i.key,
    );
    if (!/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(String(body.name)))
      return `invalid name ${String(body.name)}`;
    if (!/^zones\/[^/]+\/machineTypes\/[^/]+$/.test(String(body.machineType))) return 'invalid machineType';
    if (!items.includes('startup-script')) return 'no startup-script metadata';
    for (const [k, v] of Object.entries(labels)) {
      if (!/^[a-z][a-z0-9_-]{0,62}$/.test(k) || !/^[a-z0-9_-]{0,63}$/.test(v))
        return `invalid label ${k}=${v}`;
    }
    if (!labels['artenic-job-id']) return 'no artenic-job-id label';
    if (!Array.isArray(body.disks) || body.disks.length === 0) return 'no boot disk';
    return null;
  }

  /** Supports the one filter shape the adapter sends: `labels.KEY:*` (has the label). */
  private list(res: ServerResponse, filter: string): void {
    const has = /^labels\.([a-z0-9_-]+):\*$/.exec(filter.trim());
    const items = this.live().filter((i) => !has || has[1]! in i.labels);
    json(res, 200, { kind: 'compute#instanceList', id: 'list', items });
  }

  private machineType(res: ServerResponse, name: string): void {
    const mt = MACHINE_TYPES[name];
    if (!mt) return error(res, 404, `machine type ${name} not found`, 'notFound');
    json(res, 200, { kind: 'compute#machineType', name, ...mt });
  }

  private operation(type: string, instance: GceInstanceRecord): Record<string, unknown> {
    const op = {
      kind: 'compute#operation',
      id: String(++this.seq),
      name: `operation-${this.seq}-${type.replace(/\W/g, '-')}`,
      status: 'DONE',
      progress: 100,
      operationType: type,
      targetLink: `${instance.zone}/instances/${instance.name}`,
      targetId: instance.id,
      zone: instance.zone,
    };
    this.operations.set(op.name, op);
    return op;
  }

  /** Two pages of Compute Engine SKUs in us-central1 (prices per vCPU-hour, GiB-hour and GPU-hour). */
  private skus(res: ServerResponse, url: URL): void {
    const sku = (description: string, group: string, usageType: string, units: string, nanos: number) => ({
      name: `services/6F81-5844-456A/skus/${description.replace(/\W/g, '')}`,
      description,
      category: {
        serviceDisplayName: 'Compute Engine',
        resourceFamily: 'Compute',
        resourceGroup: group,
        usageType,
      },
      serviceRegions: ['us-central1'],
      pricingInfo: [
        {
          pricingExpression: {
            usageUnit: 'h',
            tieredRates: [{ unitPrice: { currencyCode: 'USD', units, nanos } }],
          },
        },
      ],
    });
    const page1 = [
      sku('E2 Instance Core running in Americas', 'CPU', 'OnDemand', '0', 21_811_590),
      sku('E2 Instance Ram running in Americas', 'RAM', 'OnDemand', '0', 2_923_530),
      sku('Spot Preemptible E2 Instance Core running in Americas', 'CPU', 'Preemptible', '0', 6_543_000),
      sku('Spot Preemptible E2 Instance Ram running in Americas', 'RAM', 'Preemptible', '0', 877_000),
      sku('E2 Instance Core running in Frankfurt', 'CPU', 'Commit1Yr', '0', 1),
    ];
    const page2 = [
      sku('G2 Instance Core running in Americas', 'CPU', 'OnDemand', '0', 24_988_000),
      sku('G2 Instance Ram running in Americas', 'RAM', 'OnDemand', '0', 2_927_000),
      sku('Nvidia L4 GPU running in Americas', 'GPU', 'OnDemand', '0', 560_040_000),
    ];
    const second = url.searchParams.get('pageToken') === 'page-2';
    json(res, 200, second ? { skus: page2 } : { skus: page1, nextPageToken: 'page-2' });
  }
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

function error(
  res: ServerResponse,
  status: number,
  message: string,
  reason: string,
  headers?: Record<string, string>,
): void {
  json(
    res,
    status,
    { error: { code: status, message, errors: [{ message, domain: 'global', reason }] } },
    headers,
  );
}
