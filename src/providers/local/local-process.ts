import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/*
 * The local job's process group. The job runs under a tiny `sh` wrapper that writes the command's exit
 * code to a file once it ends, so a platform that restarted (and is no longer the parent) can still tell
 * how the job finished.
 */
const WRAPPER =
  'exit_file=$1; shift; "$@"; rc=$?; printf "%s" "$rc" > "$exit_file.tmp" && mv "$exit_file.tmp" "$exit_file"; exit $rc';

export interface SpawnedJob {
  pid: number;
}

export function spawnJobGroup(options: {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  logPath: string;
  exitPath: string;
}): SpawnedJob {
  const log = openSync(options.logPath, 'a');
  try {
    const child = spawn('/bin/sh', ['-c', WRAPPER, 'artenic-local-job', options.exitPath, ...options.argv], {
      cwd: options.cwd,
      env: options.env,
      detached: true, // its own process group: cancel signals the whole tree, a platform crash leaves it running
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined) throw new Error('the local job could not be spawned');
    child.on('error', () => undefined);
    child.unref();
    return { pid: child.pid };
  } finally {
    closeSync(log);
  }
}

/**
 * True while the wrapper process runs. A zombie counts as gone: after a platform crash the wrapper may be
 * re-parented to an init that never reaps it.
 */
export function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self/stat')) return false;
    return groupAlive(pid); // no procfs (macOS): signal 0
  }
}

/** True while any process of the group is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM the group, then SIGKILL whatever is left after the grace period. */
export async function killGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  signalGroup(pgid, 'SIGKILL');
  const killDeadline = Date.now() + 2000;
  while (groupAlive(pgid) && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 20));
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The exit code the wrapper recorded, or undefined while the job has not ended. */
export async function readExitCode(exitPath: string): Promise<number | undefined> {
  try {
    const text = (await readFile(exitPath, 'utf8')).trim();
    const code = Number(text);
    return Number.isInteger(code) ? code : undefined;
  } catch {
    return undefined;
  }
}
