import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FakeKubelet } from './fake-kubelet';
import { fakeListener } from '../http-handler';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface InjectedFailure {
  status: number;
  reason?: string;
  headers?: Record<string, string>;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
  /** With `hang`: carry the request out first, so only the answer is lost (a create that did happen). */
  apply?: boolean;
  /** Only the next request with this method fails (default: the next request). */
  method?: string;
}

/**
 * A Kubernetes API server for `batch/v1` Jobs and their pods, on the documented REST paths with `Status`
 * error bodies. It checks the bearer token and what a training Job must carry (name, platform labels,
 * backoffLimit 0, a deadline, restartPolicy Never, image and command), selects by `labelSelector`
 * (`k=v,k2=v2`, `k`), serves pod logs with `tailLines`, and plays the Job controller and kubelet: each Job gets a
 * pod whose container command runs for real with bash (see FakeKubelet). Deleting a Job without
 * `propagationPolicy` orphans its pods, as the real API does, so a leak shows in the inventory.
 */
export class FakeKubernetes {
  readonly jobs = new Map<string, Obj>();
  readonly pods = new Map<string, Obj>();
  readonly requests: Array<{ method: string; path: string; query: string; body: Obj | null }> = [];
  /** Secrets by name (`envFrom.secretRef`). */
  readonly secrets = new Map<string, Record<string, string>>();
  private readonly kubelets = new Map<string, FakeKubelet>();
  private readonly failures: InjectedFailure[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  private seq = 0;
  url = '';

  constructor(private readonly token: string) {}

  async start(): Promise<this> {
    this.server = createServer(fakeListener((req, res) => this.handle(req, res)));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  failNext(count: number, failure: InjectedFailure): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  /** What still exists (what would still cost money). */
  inventory(): { jobs: string[]; pods: string[] } {
    return { jobs: [...this.jobs.keys()].sort(), pods: [...this.pods.keys()].sort() };
  }

  podsOf(jobName: string): Obj[] {
    return [...this.pods.values()].filter((p) => p.metadata.labels['job-name'] === jobName);
  }

  /** The node is reclaimed (spot): DisruptionTarget on the pod, which dies, and the Job fails. */
  disrupt(jobName: string, reason = 'PreemptionByScheduler'): void {
    this.endPod(jobName, 'Failed', 137, [
      { type: 'DisruptionTarget', status: 'True', reason, message: 'node is being reclaimed' },
    ]);
  }

  /** The test decides the pod's end (its process is killed): Succeeded or Failed with an exit code. */
  endPod(jobName: string, phase: 'Succeeded' | 'Failed', exitCode: number, conditions: Obj[] = []): void {
    this.kubelets.get(jobName)?.kill();
    for (const pod of this.podsOf(jobName)) {
      pod.status = {
        ...pod.status,
        phase,
        conditions: [...(pod.status.conditions ?? []), ...conditions],
        containerStatuses: [
          {
            name: 'training',
            state: { terminated: { exitCode, reason: phase === 'Failed' ? 'Error' : 'Completed' } },
          },
        ],
      };
    }
    this.finishJob(jobName, phase === 'Succeeded');
  }

  private finishJob(jobName: string, succeeded: boolean): void {
    const job = this.jobs.get(jobName);
    if (!job) return;
    job.status = succeeded
      ? { active: 0, succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }
      : {
          active: 0,
          failed: 1,
          conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }],
        };
  }

  private send(res: ServerResponse, status: number, body: Obj, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string, headers = {}): void {
    this.send(
      res,
      code,
      { kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code },
      headers,
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    const text = Buffer.concat(chunks).toString();
    const body = text ? (JSON.parse(text) as Obj) : null;
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, body });
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    const index = this.failures.findIndex((f) => !f.method || f.method === req.method);
    const failure = index >= 0 ? this.failures.splice(index, 1)[0] : undefined;
    if (failure?.hang) {
      this.hanging.add(res);
      if (failure.apply) this.route(req.method ?? 'GET', url, body, lostAnswer());
      return;
    }
    if (failure) {
      return this.status(
        res,
        failure.status,
        failure.reason ?? 'InternalError',
        `injected ${failure.status}`,
        failure.headers,
      );
    }
    this.route(req.method ?? 'GET', url, body, res);
  }

  private route(method: string, url: URL, body: Obj | null, res: ServerResponse): void {
    const jobs = url.pathname.match(/^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/);
    const pods = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+)\/log)?$/);
    const selector = url.searchParams.get('labelSelector') ?? '';
    if (jobs && method === 'POST' && !jobs[2]) return this.create(res, jobs[1]!, body ?? {});
    if (jobs && method === 'GET' && jobs[2]) {
      const job = this.jobs.get(jobs[2]);
      return job
        ? this.send(res, 200, job)
        : this.status(res, 404, 'NotFound', `jobs.batch "${jobs[2]}" not found`);
    }
    if (jobs && method === 'GET') {
      const items = [...this.jobs.values()].filter(
        (j) => j.metadata.namespace === jobs[1] && matches(j, selector),
      );
      return this.send(res, 200, { kind: 'JobList', apiVersion: 'batch/v1', metadata: {}, items });
    }
    if (jobs && method === 'DELETE' && jobs[2])
      return this.remove(res, jobs[2], url.searchParams.get('propagationPolicy'));
    if (pods && method === 'GET' && pods[2])
      return this.log(res, pods[2], Number(url.searchParams.get('tailLines') ?? 0));
    if (pods && method === 'GET') {
      const items = [...this.pods.values()].filter(
        (p) => p.metadata.namespace === pods[1] && matches(p, selector),
      );
      return this.send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items });
    }
    this.status(res, 404, 'NotFound', `no route ${method} ${url.pathname}`);
  }

  private invalid(job: Obj): string | null {
    const labels = job.metadata?.labels ?? {};
    const pod = job.spec?.template?.spec ?? {};
    const container = pod.containers?.[0];
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(job.metadata?.name ?? ''))
      return 'metadata.name: invalid DNS-1123 name';
    for (const key of [
      'app.kubernetes.io/managed-by',
      'artenic.ai/job-id',
      'artenic.ai/attempt',
      'artenic.ai/token',
    ]) {
      if (!labels[key]) return `metadata.labels: ${key} is required`;
    }
    for (const value of Object.values(labels)) {
      if (!/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(String(value)))
        return `invalid label value ${String(value)}`;
    }
    if (job.spec?.backoffLimit !== 0) return 'spec.backoffLimit must be 0 for a training Job';
    if (!(job.spec?.activeDeadlineSeconds > 0)) return 'spec.activeDeadlineSeconds is required';
    if (pod.restartPolicy !== 'Never') return 'spec.template.spec.restartPolicy must be Never';
    if (!container?.image || !Array.isArray(container.command))
      return 'containers[0]: image and command are required';
    return null;
  }

  private create(res: ServerResponse, namespace: string, job: Obj): void {
    const problem = this.invalid(job);
    if (problem) return this.status(res, 422, 'Invalid', `Job.batch is invalid: ${problem}`);
    const name = job.metadata.name as string;
    if (this.jobs.has(name))
      return this.status(res, 409, 'AlreadyExists', `jobs.batch "${name}" already exists`);
    const now = new Date(Date.now() + this.seq++).toISOString();
    Object.assign(job.metadata, { namespace, uid: `uid-${name}`, creationTimestamp: now });
    job.status = { active: 1 };
    this.jobs.set(name, job);
    const podName = `${name}-${(this.seq++).toString(36).padStart(5, 'x')}`;
    const pod: Obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName,
        namespace,
        creationTimestamp: now,
        labels: {
          ...job.spec.template.metadata?.labels,
          'job-name': name,
          'batch.kubernetes.io/job-name': name,
        },
        ownerReferences: [{ kind: 'Job', name, uid: job.metadata.uid }],
      },
      spec: job.spec.template.spec,
      status: { phase: 'Pending' },
    };
    this.pods.set(podName, pod);
    this.schedule(name, pod);
    this.send(res, 201, job);
  }

  /** The kubelet starts the container (env and envFrom resolved) unless a referenced Secret is missing. */
  private schedule(jobName: string, pod: Obj): void {
    const container = pod.spec.containers[0];
    const env: Record<string, string> = {};
    for (const from of container.envFrom ?? []) {
      const secret = this.secrets.get(from.secretRef?.name);
      if (!secret) {
        pod.status.containerStatuses = [
          { name: 'training', state: { waiting: { reason: 'CreateContainerConfigError' } } },
        ];
        return;
      }
      Object.assign(env, secret);
    }
    for (const e of container.env ?? []) env[e.name] = String(e.value ?? '');
    const kubelet = new FakeKubelet(container.command as string[], env);
    this.kubelets.set(jobName, kubelet);
    pod.status = { phase: 'Running', containerStatuses: [{ name: 'training', state: { running: {} } }] };
    void kubelet.exited.then((code) => {
      if (!this.jobs.has(jobName) || pod.status.phase !== 'Running') return;
      pod.status = {
        phase: code === 0 ? 'Succeeded' : 'Failed',
        containerStatuses: [
          {
            name: 'training',
            state: { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error' } },
          },
        ],
      };
      this.finishJob(jobName, code === 0);
    });
  }

  private log(res: ServerResponse, podName: string, tailLines: number): void {
    const pod = this.pods.get(podName);
    if (!pod) return this.status(res, 404, 'NotFound', `pods "${podName}" not found`);
    const lines = (this.kubelets.get(pod.metadata.labels['job-name'])?.stdout ?? '').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const tail = tailLines > 0 ? lines.slice(-tailLines) : lines;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(tail.length ? tail.join('\n') + '\n' : '');
  }

  private remove(res: ServerResponse, name: string, propagation: string | null): void {
    const job = this.jobs.get(name);
    if (!job) return this.status(res, 404, 'NotFound', `jobs.batch "${name}" not found`);
    this.jobs.delete(name);
    if (propagation === 'Background' || propagation === 'Foreground') {
      this.kubelets.get(name)?.dispose();
      this.kubelets.delete(name);
      for (const pod of this.podsOf(name)) this.pods.delete(pod.metadata.name);
    }
    this.send(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Success',
      details: { name, group: 'batch', kind: 'jobs' },
    });
  }

  async stop(): Promise<void> {
    for (const k of this.kubelets.values()) k.dispose();
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** Equality-based selectors: `k=v`, `k==v`, `k!=v` and bare `k` (exists), comma-separated. */
function matches(obj: Obj, selector: string): boolean {
  const labels = (obj.metadata?.labels ?? {}) as Record<string, string>;
  return selector
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const ne = term.split('!=');
      if (ne.length === 2) return labels[ne[0]!] !== ne[1];
      const [key, value] = term.split(/==?/);
      return value === undefined ? key! in labels : labels[key!] === value;
    });
}

/** A response nobody receives. */
function lostAnswer(): ServerResponse {
  const sink = { writeHead: () => sink, end: () => sink };
  return sink as unknown as ServerResponse;
}
