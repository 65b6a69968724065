import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { renderBootstrapScript, type BootstrapInput } from '@app/providers/bootstrap/bootstrap-script';
import { s3Shell } from '@app/providers/bootstrap/object-store-shells';
import { collectOutputs, readLogTail, readMarker, readMetrics } from '@app/providers/bootstrap/vm-run';
import { S3ObjectStore } from '@app/providers/aws/s3-object-store';
import { startMoto, type MotoServer } from './fakes/moto/moto-server';

const BUCKET = 'artenic-models';

/** A training program that behaves like a real one: reads its env, resumes, writes checkpoints and outputs. */
const TRAIN_SH = `#!/bin/bash
echo "lr=$LEARNING_RATE note=$NOTE"
if [ -n "$ARTENIC_RESUME_DIR" ] && [ -f "$ARTENIC_RESUME_DIR/step.txt" ]; then echo "resumed from step $(cat "$ARTENIC_RESUME_DIR/step.txt")"; fi
mkdir -p "$ARTENIC_OUTPUT_DIR/weights"
echo "weights-of-$ARTENIC_JOB_ID" > "$ARTENIC_OUTPUT_DIR/weights/model.bin"
echo '{"accuracy": 0.91, "loss": 0.2, "note": "text"}' > "$ARTENIC_OUTPUT_DIR/metrics.json"
echo 42 > "$ARTENIC_CHECKPOINT_DIR/step.txt"
exit "\${EXIT_WITH:-0}"
`;

describe('VM bootstrap script, run for real with bash against moto S3', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let store: S3ObjectStore;
  let work: string;

  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: moto.url,
      forcePathStyle: true,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    store = new S3ObjectStore(s3);
  });

  afterAll(async () => {
    s3.destroy();
    await moto.stop();
  });

  beforeEach(async () => {
    await moto.reset();
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    work = mkdtempSync(join(tmpdir(), 'artenic-bootstrap-'));
  });

  afterEach(() => rmSync(work, { recursive: true, force: true }));

  async function uploadBundle(jobId: string): Promise<string> {
    const src = join(work, 'src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'train.sh'), TRAIN_SH);
    chmodSync(join(src, 'train.sh'), 0o755);
    await run('tar', ['-czf', join(work, 'code.tar.gz'), '-C', src, '.']);
    const key = `code/${jobId}/code.tar.gz`;
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(join(work, 'code.tar.gz')) }),
    );
    return `s3://${BUCKET}/${key}`;
  }

  function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { env, stdio: 'ignore' });
      child.once('error', reject);
      child.once('exit', (code) => resolve(code ?? -1));
    });
  }

  /** Runs the script with `shutdown` replaced on PATH by a program that records that it was called. */
  async function runScript(script: string): Promise<{ code: number; poweredOff: boolean }> {
    const bin = join(work, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'shutdown'), `#!/bin/bash\necho "$@" > ${join(work, 'shutdown-called')}\n`);
    chmodSync(join(bin, 'shutdown'), 0o755);
    writeFileSync(join(work, 'user-data.sh'), script);
    const code = await run('bash', [join(work, 'user-data.sh')], {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      ARTENIC_BOOTSTRAP_ROOT: join(work, 'root'),
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_DEFAULT_REGION: 'us-east-1',
    });
    return { code, poweredOff: existsSync(join(work, 'shutdown-called')) };
  }

  function input(jobId: string, overrides: Partial<BootstrapInput>): BootstrapInput {
    const run = `s3://${BUCKET}/training/${jobId}/attempt-1`;
    return {
      job_id: jobId,
      attempt: 1,
      command: ['bash', 'train.sh'],
      env: { LEARNING_RATE: '0.01', NOTE: `it's $(touch ${join(work, 'injected')}) "quoted"` },
      code_uri: null,
      resume_from: null,
      run_uri: run,
      output_uri: `${run}/output`,
      checkpoint_uri: `s3://${BUCKET}/training/${jobId}/checkpoints`,
      max_runtime_seconds: 60,
      store: s3Shell({ endpointUrl: moto.url, region: 'us-east-1' }),
      poweroff: 'shutdown -h now',
      ...overrides,
    };
  }

  it('fetches the code, trains with the job env, uploads artifacts, checkpoints and logs, marks completed and powers off', async () => {
    const codeUri = await uploadBundle('job-ok');
    const spec = input('job-ok', { code_uri: codeUri });

    const result = await runScript(renderBootstrapScript(spec));

    expect(result).toEqual({ code: 0, poweredOff: true });
    const layout = {
      run_uri: spec.run_uri,
      output_uri: spec.output_uri,
      checkpoint_uri: spec.checkpoint_uri,
    };
    expect(await readMarker(store, layout)).toEqual({ status: 'completed', exit_code: 0, reason: '' });
    expect(await readMetrics(store, layout)).toEqual({ accuracy: 0.91, loss: 0.2 });
    const collected = await collectOutputs(store, layout, join(work, 'collected'));
    expect(collected.map((a) => a.path)).toEqual(['metrics.json', 'weights/model.bin']);
    expect(readFileSync(join(work, 'collected', 'weights', 'model.bin'), 'utf8')).toBe('weights-of-job-ok\n');
    expect(await store.getText(`${spec.checkpoint_uri}/step.txt`)).toBe('42\n');
    const log = await readLogTail(store, layout, 50);
    expect(log).toContain(`lr=0.01 note=it's $(touch ${join(work, 'injected')}) "quoted"`);
    expect(log).toContain('finished: completed (exit 0)');
    expect(existsSync(join(work, 'injected'))).toBe(false);
  }, 60_000);

  it('a failing command still uploads logs, writes a failed marker with the exit code and powers off', async () => {
    const codeUri = await uploadBundle('job-fail');
    const spec = input('job-fail', { code_uri: codeUri, env: { EXIT_WITH: '3' } });

    const result = await runScript(renderBootstrapScript(spec));

    expect(result.poweredOff).toBe(true);
    const layout = {
      run_uri: spec.run_uri,
      output_uri: spec.output_uri,
      checkpoint_uri: spec.checkpoint_uri,
    };
    expect(await readMarker(store, layout)).toEqual({
      status: 'failed',
      exit_code: 3,
      reason: 'training command exited with code 3',
    });
    expect(await readLogTail(store, layout, 50)).toContain('finished: failed (exit 3)');
  }, 60_000);

  it('resumes from the checkpoint prefix of an earlier attempt', async () => {
    const codeUri = await uploadBundle('job-resume');
    await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'training/job-resume/checkpoints/step.txt', Body: '17\n' }),
    );
    const spec = input('job-resume', {
      code_uri: codeUri,
      resume_from: `s3://${BUCKET}/training/job-resume/checkpoints`,
    });

    await runScript(renderBootstrapScript(spec));

    const layout = {
      run_uri: spec.run_uri,
      output_uri: spec.output_uri,
      checkpoint_uri: spec.checkpoint_uri,
    };
    expect(await readLogTail(store, layout, 50)).toContain('resumed from step 17');
    expect((await readMarker(store, layout))?.status).toBe('completed');
  }, 60_000);

  it('a missing code bundle fails the run with a reason instead of hanging', async () => {
    const spec = input('job-nocode', { code_uri: `s3://${BUCKET}/code/absent.tar.gz` });

    const result = await runScript(renderBootstrapScript(spec));

    expect(result.poweredOff).toBe(true);
    const layout = {
      run_uri: spec.run_uri,
      output_uri: spec.output_uri,
      checkpoint_uri: spec.checkpoint_uri,
    };
    expect(await readMarker(store, layout)).toEqual({
      status: 'failed',
      exit_code: null,
      reason: 'code bundle download failed',
    });
  }, 60_000);
});
