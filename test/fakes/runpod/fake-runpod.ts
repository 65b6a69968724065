import { randomBytes } from 'node:crypto';
import { FakeHttpServer, type FakeRequest } from '../rest-cloud/fake-http';
import { FakeMachine } from '../rest-cloud/fake-machine';

interface FakePod {
  id: string;
  name: string;
  desiredStatus: string;
  lastStatusChange: string;
  interruptible: boolean;
  machine?: FakeMachine;
}

const GPU_TYPES = [
  {
    id: 'NVIDIA RTX A6000',
    displayName: 'RTX A6000',
    memoryInGb: 48,
    secureCloud: true,
    communityCloud: true,
    lowestPrice: { minimumBidPrice: 0.25, uninterruptablePrice: 0.49 },
  },
  {
    id: 'NVIDIA A100 80GB PCIe',
    displayName: 'A100 80GB',
    memoryInGb: 80,
    secureCloud: true,
    communityCloud: false,
    lowestPrice: { minimumBidPrice: 0.89, uninterruptablePrice: 1.64 },
  },
];

/**
 * RunPod GraphQL contract fake: answers the operations the adapter uses with `{"data"}` or GraphQL
 * `{"errors":[{"message"}]}` (HTTP 200), and runs a pod's dockerArgs with its env as the container would.
 */
export class FakeRunpod {
  readonly http: FakeHttpServer;
  readonly pods = new Map<string, FakePod>();

  constructor(private readonly key: string) {
    this.http = new FakeHttpServer((req) => this.auth(req));
    this.http.on('POST', /^\/graphql$/, (req) => this.graphql(req));
  }

  get apiUrl(): string {
    return `${this.http.url}/graphql`;
  }

  start(): Promise<string> {
    return this.http.start();
  }

  async stop(): Promise<void> {
    for (const p of this.pods.values()) p.machine?.dispose();
    await this.http.stop();
  }

  /** RunPod reclaims an interruptible pod: it is stopped and its container killed. */
  interrupt(id: string): void {
    const p = this.pods.get(id)!;
    p.machine?.kill();
    p.desiredStatus = 'EXITED';
    p.lastStatusChange = 'Interrupted: outbid';
  }

  get live(): number {
    return [...this.pods.values()].filter((p) => p.desiredStatus !== 'TERMINATED').length;
  }

  private auth(req: FakeRequest) {
    if (req.query.has('api_key'))
      return { status: 400, body: { errors: [{ message: 'api key must not be sent in the URL' }] } };
    return req.headers.authorization === `Bearer ${this.key}`
      ? null
      : { status: 401, body: { errors: [{ message: 'Unauthorized' }] } };
  }

  private graphql(req: FakeRequest) {
    const { query, variables } = req.body as {
      query: string;
      variables: { input?: Record<string, unknown> };
    };
    const input = variables?.input ?? {};
    const ok = (data: unknown) => ({ status: 200, body: { data } });
    if (query.includes('gpuTypes')) return ok({ gpuTypes: GPU_TYPES });
    if (query.includes('myself')) return ok({ myself: { pods: [...this.pods.values()].map(view) } });
    if (query.includes('podTerminate')) {
      const p = this.pods.get(String(input.podId));
      if (!p) return { status: 200, body: { errors: [{ message: 'pod not found' }], data: null } };
      p.machine?.dispose();
      p.desiredStatus = 'TERMINATED';
      return ok({ podTerminate: null });
    }
    if (query.includes('podFindAndDeployOnDemand') || query.includes('podRentInterruptable'))
      return this.deploy(input, query.includes('podRentInterruptable'));
    if (query.includes('pod(')) {
      const p = this.pods.get(String(input.podId));
      return ok({ pod: p && p.desiredStatus !== 'TERMINATED' ? view(p) : null });
    }
    return { status: 400, body: { errors: [{ message: 'unknown operation' }] } };
  }

  private deploy(input: Record<string, unknown>, interruptible: boolean) {
    const gpu = GPU_TYPES.find((g) => g.id === input.gpuTypeId);
    const err = (message: string) => ({ status: 200, body: { errors: [{ message }], data: null } });
    if (!gpu) return err('There are no longer any instances available with the requested specifications.');
    if (
      typeof input.imageName !== 'string' ||
      typeof input.dockerArgs !== 'string' ||
      !Array.isArray(input.env)
    )
      return err('invalid input');
    if (interruptible && !(Number(input.bidPerGpu) >= gpu.lowestPrice.minimumBidPrice))
      return err('bid too low');
    const env = Object.fromEntries(
      (input.env as Array<{ key: string; value: string }>).map((e) => [e.key, e.value]),
    );
    const p: FakePod = {
      id: randomBytes(7).toString('hex'),
      name: String(input.name),
      desiredStatus: 'RUNNING',
      lastStatusChange: 'Rented by User',
      interruptible,
    };
    this.pods.set(p.id, p);
    p.machine = new FakeMachine(input.dockerArgs, env);
    void p.machine.exited.then(() => {
      if (p.desiredStatus === 'RUNNING') p.desiredStatus = 'EXITED';
    });
    return {
      status: 200,
      body: { data: { [interruptible ? 'podRentInterruptable' : 'podFindAndDeployOnDemand']: view(p) } },
    };
  }
}

const view = (p: FakePod) => ({
  id: p.id,
  name: p.name,
  desiredStatus: p.desiredStatus,
  lastStatusChange: p.lastStatusChange,
  runtime: p.desiredStatus === 'RUNNING' ? { uptimeInSeconds: 3 } : null,
});
