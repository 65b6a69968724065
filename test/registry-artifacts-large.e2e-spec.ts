import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createPgDatabase, LANE } from './support/test-app';
import { eventually } from './support/eventually';
import { freePort, startMoto, type Moto } from './registry-moto';

/*
 * 200 MB through a real server process: upload and download must stream, so the server's resident memory
 * (sampled from /proc/<pid>/status while the bytes flow) stays under 300 MB. The server runs from a private
 * swc build of src/ so that the measurement is of the production entry point, not of the test runner.
 */
const ROOT = resolve(__dirname, '..');
const SIZE = 200 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const RSS_LIMIT = 300 * 1024 * 1024;

let buildDir: string;

beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), 'artenic-build-'));
  const swc = [
    'swc',
    'src',
    '-d',
    buildDir,
    '--strip-leading-paths',
    '--ignore',
    '**/*.spec.ts',
    '-C',
    'jsc.parser.syntax=typescript',
    '-C',
    'jsc.parser.decorators=true',
    '-C',
    'jsc.transform.legacyDecorator=true',
    '-C',
    'jsc.transform.decoratorMetadata=true',
    '-C',
    'module.type=commonjs',
    '-C',
    'jsc.target=es2022',
    '-C',
    'jsc.keepClassNames=true',
  ];
  const built = spawnSync('npx', swc, { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
});
afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

interface Server {
  url: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

async function startServer(env: Record<string, string>): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'artenic-large-'));
  const port = await freePort();
  const db = LANE === 'postgres' ? await createPgDatabase() : undefined;
  const child = spawn(process.execPath, [join(buildDir, 'main.js')], {
    cwd: dataDir,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_PATH: join(ROOT, 'node_modules'),
      ARTENIC_HOST: '127.0.0.1',
      ARTENIC_PORT: String(port),
      ARTENIC_DATA_DIR: dataDir,
      ARTENIC_DATABASE_URL: db?.url ?? `sqlite:${join(dataDir, 'artenic.db')}`,
      ARTENIC_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => expect((await fetch(`${url}/health/ready`)).status).toBe(200), {
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  return {
    url,
    child,
    stop: async () => {
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
      await db?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Peak VmRSS of `pid` while `work` runs. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = 0;
  const sample = () => {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    peak = Math.max(peak, Number(match?.[1] ?? 0) * 1024);
  };
  const timer = setInterval(sample, 20);
  try {
    const result = await work();
    sample();
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

/** 200 MB of non-repeating bytes, produced on demand, hashed as they are sent. */
function payload(): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const base = randomBytes(CHUNK);
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= SIZE) return void this.push(null);
      const chunk = Buffer.from(base);
      chunk.writeUInt32BE(sent / CHUNK, 0);
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

function upload(url: string, body: Readable): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((ok, fail) => {
    const req = request(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(SIZE) },
    });
    req.on('response', (res) => void readJson(res).then(ok, fail));
    req.on('error', fail);
    body.pipe(req);
  });
}

async function readJson(res: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return {
    status: res.statusCode ?? 0,
    json: JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>,
  };
}

async function download(
  url: string,
): Promise<{ status: number; sha256: string; size: number; header: string }> {
  const res = await fetch(url);
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return {
    status: res.status,
    sha256: hash.digest('hex'),
    size,
    header: res.headers.get('x-checksum-sha256') ?? '',
  };
}

async function roundTrip(server: Server) {
  const reg = await fetch(`${server.url}/api/v1/models`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'big', version: '1', model_type: 'llm' }),
  });
  expect(reg.status).toBe(201);
  const data = payload();
  const artifactUrl = `${server.url}/api/v1/models/big_v1/artifacts/weights.bin`;

  const up = await peakRss(server.child.pid!, () => upload(artifactUrl, data.stream));
  const down = await peakRss(server.child.pid!, () => download(artifactUrl));

  const sent = data.digest();
  expect(up.result.status).toBe(200);
  expect(up.result.json).toMatchObject({ size_bytes: SIZE, sha256: sent });
  expect(down.result).toEqual({ status: 200, sha256: sent, size: SIZE, header: sent });
  expect(up.peak).toBeLessThan(RSS_LIMIT);
  expect(down.peak).toBeLessThan(RSS_LIMIT);
}

describe('200 MB artifacts through a server process', () => {
  it('streams on the local backend with RSS under 300 MB', async () => {
    const server = await startServer({});
    try {
      await roundTrip(server);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('streams on the S3 backend (moto_server) with RSS under 300 MB', async () => {
    const moto: Moto = await startMoto();
    const server = await startServer(moto.env);
    try {
      await roundTrip(server);
    } finally {
      await server.stop();
      await moto.stop();
    }
  }, 180_000);
});
