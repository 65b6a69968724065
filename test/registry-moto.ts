import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { eventually } from './support/eventually';

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

export interface Moto {
  endpoint: string;
  bucket: string;
  env: Record<string, string>;
  stop: () => Promise<void>;
}

/** Starts `moto_server` (S3 emulator) on a free port with one bucket, and the registry env pointing at it. */
export async function startMoto(bucket = 'artenic-artifacts'): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await eventually(() => client.send(new CreateBucketCommand({ Bucket: bucket })), {
    timeoutMs: 20_000,
    intervalMs: 200,
  });
  client.destroy();
  return {
    endpoint,
    bucket,
    env: {
      ARTENIC_ARTIFACTS__BACKEND: 's3',
      ARTENIC_ARTIFACTS__BUCKET: bucket,
      ARTENIC_ARTIFACTS__PREFIX: 'registry/',
      ARTENIC_ARTIFACTS__ENDPOINT_URL: endpoint,
      ARTENIC_ARTIFACTS__REGION: 'us-east-1',
      ARTENIC_ARTIFACTS__ACCESS_KEY_ID: 'test',
      ARTENIC_ARTIFACTS__SECRET_ACCESS_KEY: 'test',
      ARTENIC_ARTIFACTS__FORCE_PATH_STYLE: 'true',
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
