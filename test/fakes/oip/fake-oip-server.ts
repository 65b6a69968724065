import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeListener } from '../http-handler';

/** A logistic-regression model served by the fake: probability = sigmoid(x·w + b), label = p > 0.5. */
export interface FakeModel {
  weights: number[];
  bias: number;
  /** Answer this long after the request arrives. */
  delayMs?: number;
}

/**
 * A small Open Inference Protocol v2 REST server (the KServe/Triton wire format) for tests: metadata,
 * readiness and `infer` for registered models, plus a plain-JSON `/predict` endpoint
 * (`{"instances": [...]}` → `{"predictions": [...]}`). Tests make it slow, failing or healthy again.
 */
export class FakeOipServer {
  private server: Server | undefined;
  private readonly models = new Map<string, FakeModel>();
  private failures: { remaining: number; status: number } = { remaining: 0, status: 503 };
  /** Every infer / predict request received, by model name (`json` for /predict). */
  readonly calls = new Map<string, number>();
  url = '';

  async start(): Promise<this> {
    this.server = createServer(fakeListener((req, res) => this.handle(req, res)));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addModel(name: string, model: FakeModel): void {
    this.models.set(name, model);
  }

  setDelay(name: string, delayMs: number): void {
    this.models.get(name)!.delayMs = delayMs;
  }

  /** The next `count` infer calls answer `status`; `Infinity` until `recover()`. */
  fail(count: number, status = 503): void {
    this.failures = { remaining: count, status };
  }

  recover(): void {
    this.failures = { remaining: 0, status: 503 };
  }

  callsTo(name: string): number {
    return this.calls.get(name) ?? 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const url = req.url ?? '';
    const infer = /^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?\/infer$/.exec(url);
    const meta = /^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?$/.exec(url);
    if (req.method === 'GET' && url === '/v2/health/ready') return send(res, 200, { ready: true });
    if (req.method === 'GET' && meta) return this.metadata(res, decodeURIComponent(meta[1]!));
    if (req.method === 'POST' && infer) return this.infer(res, decodeURIComponent(infer[1]!), body);
    if (req.method === 'POST' && url === '/predict') return this.predictJson(res, body);
    send(res, 404, { error: `no route ${req.method} ${url}` });
  }

  private metadata(res: ServerResponse, name: string): void {
    const model = this.models.get(name);
    if (!model) return send(res, 404, { error: `model ${name} not found` });
    send(res, 200, {
      name,
      versions: ['1'],
      platform: 'fake',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, model.weights.length] }],
      outputs: [
        { name: 'probability', datatype: 'FP32', shape: [-1, 1] },
        { name: 'label', datatype: 'INT64', shape: [-1, 1] },
      ],
    });
  }

  private async infer(res: ServerResponse, name: string, body: unknown): Promise<void> {
    this.calls.set(name, this.callsTo(name) + 1);
    const model = this.models.get(name);
    if (!model) return send(res, 404, { error: `model ${name} not found` });
    if (await this.failOrWait(res, model)) return;
    const input = (body as { inputs?: Array<{ shape: number[]; data: number[] }> }).inputs?.[0];
    if (!input) return send(res, 400, { error: 'no inputs' });
    const rows = input.shape[0]!;
    const width = model.weights.length;
    const probs = Array.from({ length: rows }, (_, r) =>
      score(model, input.data.slice(r * width, (r + 1) * width)),
    );
    send(res, 200, {
      model_name: name,
      outputs: [
        { name: 'probability', datatype: 'FP32', shape: [rows, 1], data: probs },
        { name: 'label', datatype: 'INT64', shape: [rows, 1], data: probs.map((p) => (p > 0.5 ? 1 : 0)) },
      ],
    });
  }

  private async predictJson(res: ServerResponse, body: unknown): Promise<void> {
    this.calls.set('json', this.callsTo('json') + 1);
    const model = this.models.get('json');
    if (!model) return send(res, 404, { error: 'no json model' });
    if (await this.failOrWait(res, model)) return;
    const instances = (body as { instances?: Array<{ features: number[] }> }).instances ?? [];
    send(res, 200, { predictions: instances.map((i) => ({ probability: score(model, i.features) })) });
  }

  private async failOrWait(res: ServerResponse, model: FakeModel): Promise<boolean> {
    if (this.failures.remaining > 0) {
      this.failures.remaining -= 1;
      send(res, this.failures.status, { error: 'injected failure' });
      return true;
    }
    if (model.delayMs) await new Promise((r) => setTimeout(r, model.delayMs));
    return false;
  }
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const score = (m: FakeModel, x: number[]) => sigmoid(x.reduce((s, v, i) => s + v * m.weights[i]!, m.bias));

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as unknown) : {};
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
