import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { fakeListener } from '../http-handler';

const HOP_HEADERS = new Set([
  'host',
  'content-length',
  'expect',
  'connection',
  'transfer-encoding',
  'keep-alive',
]);

interface Reply {
  status: number;
  text: string;
}

export interface InjectedFailure {
  status: number;
  code: string;
  headers?: Record<string, string>;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
}

/**
 * A proxy in front of moto for what moto cannot do (stack-verification §6): a spot interruption with EC2's real
 * state reason (`Server.SpotInstanceTermination`, rewritten into DescribeInstances answers for interrupted
 * instances), and injected EC2 errors (throttling with Retry-After, 5xx, hangs). Everything else is forwarded.
 */
export class Ec2ChaosProxy {
  private server: Server | undefined;
  private readonly interrupted = new Set<string>();
  private readonly failures: InjectedFailure[] = [];
  private readonly hung: ServerResponse[] = [];
  private readonly launches = new Map<string, Promise<Reply>>();
  /** EC2 actions seen, in order. */
  readonly actions: string[] = [];
  url = '';

  constructor(private readonly motoUrl: string) {}

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

  /** The cloud reclaims a spot instance: terminated, with EC2's interruption reason. */
  async interrupt(instanceId: string): Promise<void> {
    this.interrupted.add(instanceId);
    const ec2 = new EC2Client({
      region: 'us-east-1',
      endpoint: this.motoUrl,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    ec2.destroy();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.forward(req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const action = new URLSearchParams(body.toString()).get('Action') ?? req.method ?? '';
    this.actions.push(action);
    const failure = this.failures.shift();
    if (failure?.hang) {
      this.hung.push(res);
      return;
    }
    if (failure) {
      res.writeHead(failure.status, { 'content-type': 'text/xml', ...failure.headers });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${failure.code}</Code>` +
          `<Message>injected ${failure.code}</Message></Error></Errors><RequestID>chaos</RequestID></Response>`,
      );
      return;
    }
    const token = action === 'RunInstances' ? new URLSearchParams(body.toString()).get('ClientToken') : null;
    // EC2 returns the first reservation again for a repeated ClientToken; moto launches a new one.
    const reply = token
      ? await this.byToken(token, () => this.upstream(req, body, action))
      : await this.upstream(req, body, action);
    res.writeHead(reply.status, { 'content-type': 'text/xml' });
    res.end(reply.text);
  }

  private byToken(token: string, launch: () => Promise<Reply>): Promise<Reply> {
    let reply = this.launches.get(token);
    if (!reply) {
      reply = launch();
      this.launches.set(token, reply);
    }
    return reply;
  }

  private async upstream(req: IncomingMessage, body: Buffer, action: string): Promise<Reply> {
    const upstream = await fetch(this.motoUrl + (req.url ?? '/'), {
      method: req.method,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !HOP_HEADERS.has(k)),
      ) as Record<string, string>,
      body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : body,
    });
    const text = await upstream.text();
    return {
      status: upstream.status,
      text: action === 'DescribeInstances' ? this.rewriteReasons(text) : text,
    };
  }

  /** Replaces the state reason of each interrupted instance (moto serialises it before or after the id). */
  private rewriteReasons(xml: string): string {
    let out = xml;
    for (const id of this.interrupted) {
      const at = out.indexOf(`<instanceId>${id}</instanceId>`);
      if (at < 0) continue;
      const previousId = out.lastIndexOf('<instanceId>', at - 1);
      const before = out.lastIndexOf('<stateReason>', at);
      const after = out.indexOf('<stateReason>', at);
      const nextId = out.indexOf('<instanceId>', at + 1);
      const start =
        before > previousId && before >= 0
          ? before
          : after >= 0 && (nextId < 0 || after < nextId)
            ? after
            : -1;
      if (start < 0) continue;
      const end = out.indexOf('</stateReason>', start) + '</stateReason>'.length;
      out =
        out.slice(0, start) +
        '<stateReason><code>Server.SpotInstanceTermination</code><message>Server.SpotInstanceTermination: ' +
        'Spot instance termination</message></stateReason>' +
        out.slice(end);
    }
    return out;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
