import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeMachine } from '../rest-cloud/fake-machine';
import type { FakeGce, GceInstanceRecord } from './fake-gce';

/**
 * A `gcloud storage cp` stand-in for the fake VMs (the image's gcloud, talking to the fake GCS's JSON API with
 * the VM's token): one object, a local file, or `--recursive gs://b/prefix/*` into a directory.
 */
const GCLOUD = `#!/usr/bin/env node
const fs = require('node:fs'); const path = require('node:path');
const base = process.env.FAKE_GCS_URL; const auth = { authorization: 'Bearer ' + process.env.FAKE_GCS_TOKEN };
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const recursive = process.argv.includes('--recursive');
if (args[0] !== 'storage' || args[1] !== 'cp') { console.error('unsupported: ' + args.join(' ')); process.exit(2); }
const [src, dst] = args.slice(2);
const split = (u) => { const r = u.slice(5); const i = r.indexOf('/'); return [r.slice(0, i), r.slice(i + 1)]; };
const obj = (b, k) => base + '/storage/v1/b/' + encodeURIComponent(b) + '/o/' + encodeURIComponent(k);
async function get(b, k, file) {
  const res = await fetch(obj(b, k) + '?alt=media', { headers: auth });
  if (!res.ok) throw new Error('GET gs://' + b + '/' + k + ': ' + res.status);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
}
(async () => {
  if (src.startsWith('gs://') && recursive) {
    const [b, k] = split(src); const prefix = k.replace(/\\*$/, '');
    let token = '';
    do {
      const res = await fetch(base + '/storage/v1/b/' + b + '/o?prefix=' + encodeURIComponent(prefix) + (token ? '&pageToken=' + token : ''), { headers: auth });
      const page = await res.json();
      for (const o of page.items || []) await get(b, o.name, path.join(dst, o.name.slice(prefix.length)));
      token = page.nextPageToken || '';
    } while (token);
  } else if (src.startsWith('gs://')) {
    const [b, k] = split(src); await get(b, k, dst);
  } else {
    const [b, k] = split(dst);
    const res = await fetch(base + '/upload/storage/v1/b/' + b + '/o?uploadType=media&name=' + encodeURIComponent(k),
      { method: 'POST', headers: auth, body: fs.readFileSync(src) });
    if (!res.ok) throw new Error('upload ' + dst + ': ' + res.status);
  }
})().catch((e) => { console.error(String(e)); process.exit(1); });
`;

/**
 * Plays GCE's hypervisor: each inserted instance runs its `startup-script` metadata for real with bash (with
 * `gcloud` pointed at the fake GCS); a power-off leaves the instance TERMINATED, a delete kills the machine.
 */
export class GceMachineRoom {
  readonly machines = new Map<string, FakeMachine>();
  private readonly bin = mkdtempSync(join(tmpdir(), 'artenic-gcloud-'));

  constructor(
    private readonly gce: FakeGce,
    private readonly gcsUrl: string,
    private readonly gcsToken: string,
  ) {
    writeFileSync(join(this.bin, 'gcloud'), GCLOUD);
    chmodSync(join(this.bin, 'gcloud'), 0o755);
    gce.onInsert = (instance) => this.boot(instance);
    gce.onDelete = (instance) => this.machines.get(instance.name)?.kill();
  }

  private boot(instance: GceInstanceRecord): void {
    const script = instance.metadata.items.find((i) => i.key === 'startup-script')?.value ?? '';
    const lines = script.split('\n');
    // The image's PATH: our gcloud first (FakeMachine puts its own `shutdown` first at exec time).
    lines.splice(1, 0, `export PATH="${this.bin}:$PATH"`);
    const machine = new FakeMachine(
      lines.join('\n'),
      { FAKE_GCS_URL: this.gcsUrl, FAKE_GCS_TOKEN: this.gcsToken },
      () => this.gce.poweredOff(instance.name),
    );
    this.machines.set(instance.name, machine);
  }

  stop(): void {
    for (const m of this.machines.values()) m.dispose();
    rmSync(this.bin, { recursive: true, force: true });
  }
}
