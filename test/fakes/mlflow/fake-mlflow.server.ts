import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeListener } from '../http-handler';

export interface MlflowCall {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

interface FakeVersion {
  name: string;
  version: string;
  current_stage: string;
  source: string;
  run_id?: string;
}

/**
 * A local server speaking MLflow's REST API 2.0 model-registry endpoints (registered-models/create,
 * model-versions/create, model-versions/transition-stage, registered-models/alias) with MLflow's error
 * shape `{error_code, message}`. `down = true` makes it answer 503 to everything, as an unavailable
 * tracking server would. `calls` records what it accepted, in order.
 */
export class FakeMlflow {
  readonly calls: MlflowCall[] = [];
  down = false;
  private readonly models = new Map<string, { versions: FakeVersion[]; aliases: Map<string, string> }>();
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer(fakeListener((req, res) => this.handle(req, res)));
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((ok) => this.server?.close(() => ok()) ?? ok());
  }

  stageOf(name: string, version: string): string | undefined {
    return this.models.get(name)?.versions.find((v) => v.version === version)?.current_stage;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = (
      chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : Object.fromEntries(url.searchParams)
    ) as Record<string, unknown>;
    if (this.down)
      return send(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'MLflow is down' });
    const route = `${req.method} ${url.pathname.replace('/api/2.0/mlflow/', '')}`;
    const answer = this.route(route, body);
    if (answer.status < 400) this.calls.push({ method: req.method ?? '', path: url.pathname, body });
    send(res, answer.status, answer.body);
  }

  private route(route: string, body: Record<string, unknown>): { status: number; body: unknown } {
    const name = typeof body.name === 'string' ? body.name : '';
    const model = this.models.get(name);
    switch (route) {
      case 'POST registered-models/create':
        if (model)
          return error(400, 'RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);
        this.models.set(name, { versions: [], aliases: new Map() });
        return { status: 200, body: { registered_model: { name } } };
      case 'POST model-versions/create': {
        if (!model)
          return error(404, 'RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
        const v: FakeVersion = {
          name,
          version: String(model.versions.length + 1),
          current_stage: 'None',
          source: String(body.source),
        };
        model.versions.push(v);
        return { status: 200, body: { model_version: v } };
      }
      case 'POST model-versions/transition-stage': {
        const v = model?.versions.find((x) => x.version === String(body.version));
        if (!v)
          return error(
            404,
            'RESOURCE_DOES_NOT_EXIST',
            `Model Version (name=${name}, version=${String(body.version)}) not found`,
          );
        v.current_stage = String(body.stage);
        return { status: 200, body: { model_version: v } };
      }
      case 'POST registered-models/alias':
        if (!model)
          return error(404, 'RESOURCE_DOES_NOT_EXIST', `Registered Model with name=${name} not found`);
        model.aliases.set(String(body.alias), String(body.version));
        return { status: 200, body: {} };
      case 'DELETE registered-models/alias':
        model?.aliases.delete(String(body.alias));
        return { status: 200, body: {} };
      default:
        return error(404, 'ENDPOINT_NOT_FOUND', `No route ${route}`);
    }
  }
}

const error = (status: number, error_code: string, message: string) => ({
  status,
  body: { error_code, message },
});

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
