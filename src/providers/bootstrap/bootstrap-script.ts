import { invalid } from '@app/common/errors/domain-error';
import type { ObjectStoreShell } from './object-store.port';

/** Everything the start-up script of one VM run needs; the locations come from `RunLayout`. */
export interface BootstrapInput {
  job_id: string;
  attempt: number;
  command: string[];
  env: Record<string, string>;
  code_uri: string | null;
  resume_from: string | null;
  run_uri: string;
  output_uri: string;
  checkpoint_uri: string;
  max_runtime_seconds: number;
  store: ObjectStoreShell;
  /** How the machine stops itself once the results are uploaded; null where the runtime ends it (pods). */
  poweroff: string | null;
  /** How often logs and checkpoints are pushed while training runs. */
  sync_interval_seconds?: number;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Single-quotes a value for bash: nothing inside is expanded, so dispatch input cannot inject commands. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function exports(env: Record<string, string>): string[] {
  return Object.entries(env).map(([name, value]) => {
    if (!ENV_NAME.test(name)) {
      throw invalid('INVALID_ENV_NAME', `environment variable name "${name}" is not a valid shell name`, {
        name,
      });
    }
    return `export ${name}=${shellQuote(value)}`;
  });
}

/**
 * The one start-up script shared by every VM cloud (user-data, startup-script, custom-data) and by Kubernetes
 * pods. Not `set -e`: a failing step must still reach the final status marker and the power-off (the
 * reference's strict mode left failed runs "running" for two days). The text is returned plain; each adapter
 * encodes it exactly once if its API wants base64.
 */
export function renderBootstrapScript(input: BootstrapInput): string {
  if (input.command.length === 0) throw invalid('EMPTY_COMMAND', 'the training command is empty');
  const command = input.command.map(shellQuote).join(' ');
  const sync = Math.max(5, Math.floor(input.sync_interval_seconds ?? 60));
  return [
    '#!/bin/bash',
    `# Artenic training run: job ${input.job_id}, attempt ${input.attempt} (generated; do not edit).`,
    'set -u -o pipefail',
    'ARTENIC_ROOT="${ARTENIC_BOOTSTRAP_ROOT:-/opt/artenic}"',
    `RUN_URI=${shellQuote(input.run_uri)}`,
    `OUTPUT_URI=${shellQuote(input.output_uri)}`,
    `CHECKPOINT_URI=${shellQuote(input.checkpoint_uri)}`,
    `CODE_URI=${shellQuote(input.code_uri ?? '')}`,
    `RESUME_URI=${shellQuote(input.resume_from ?? '')}`,
    `MAX_RUNTIME=${Math.max(1, Math.floor(input.max_runtime_seconds))}`,
    'WORK="$ARTENIC_ROOT/work"; OUT="$ARTENIC_ROOT/output"; CKPT="$ARTENIC_ROOT/checkpoints"',
    'RESUME="$ARTENIC_ROOT/resume"; LOG="$ARTENIC_ROOT/train.log"',
    'mkdir -p "$WORK" "$OUT" "$CKPT" "$RESUME" && touch "$LOG"',
    '',
    `artenic_fetch() { ${input.store.fetch}; }`,
    `artenic_fetch_dir() { ${input.store.fetchDir}; }`,
    `artenic_upload() { ${input.store.upload}; }`,
    'artenic_upload_dir() {',
    '  local src="$1" dst="$2" f',
    '  [ -d "$src" ] || return 0',
    '  (cd "$src" && find . -type f -print) | while IFS= read -r f; do',
    '    artenic_upload "$src/${f#./}" "$dst/${f#./}" || return 1',
    '  done',
    '}',
    'artenic_note() { printf \'%s [artenic] %s\\n\' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$LOG"; }',
    'artenic_status() {',
    '  local state="$1" code="${2:-null}" reason="${3:-}" n',
    '  printf \'{"status":"%s","exit_code":%s,"reason":"%s","attempt":%s,"at":"%s"}\\n\' \\',
    `    "$state" "$code" "$reason" ${input.attempt} "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$ARTENIC_ROOT/status.json"`,
    '  for n in 1 2 3; do artenic_upload "$ARTENIC_ROOT/status.json" "$RUN_URI/status.json" && return 0; sleep "$n"; done',
    '  return 1',
    '}',
    'artenic_sync() {',
    '  artenic_upload "$LOG" "$RUN_URI/logs/train.log" >/dev/null 2>&1',
    '  artenic_upload_dir "$CKPT" "$CHECKPOINT_URI" >/dev/null 2>&1',
    '}',
    'artenic_finish() {',
    '  local state="$1" code="$2" reason="$3"',
    '  artenic_note "finished: $state (exit $code) $reason"',
    '  artenic_upload_dir "$OUT" "$OUTPUT_URI" || { state=failed; reason="artifact upload failed"; artenic_note "$reason"; }',
    '  artenic_upload_dir "$CKPT" "$CHECKPOINT_URI" || artenic_note "checkpoint upload failed"',
    '  [ -f "$OUT/metrics.json" ] && artenic_upload "$OUT/metrics.json" "$RUN_URI/metrics.json"',
    '  artenic_upload "$LOG" "$RUN_URI/logs/train.log"',
    '  artenic_status "$state" "$code" "$reason"',
    input.poweroff ? `  ${input.poweroff}` : '  :',
    '  exit 0',
    '}',
    '',
    ...input.store.setup,
    ...exports(input.env),
    `export ARTENIC_JOB_ID=${shellQuote(input.job_id)} ARTENIC_ATTEMPT=${input.attempt}`,
    'export ARTENIC_OUTPUT_DIR="$OUT" ARTENIC_CHECKPOINT_DIR="$CKPT" ARTENIC_RESUME_DIR=""',
    'artenic_status running || artenic_note "could not write the running marker"',
    'if [ -n "$CODE_URI" ]; then',
    '  artenic_fetch "$CODE_URI" "$ARTENIC_ROOT/code.tar.gz" >>"$LOG" 2>&1 || artenic_finish failed null "code bundle download failed"',
    '  tar -xzf "$ARTENIC_ROOT/code.tar.gz" -C "$WORK" >>"$LOG" 2>&1 || artenic_finish failed null "code bundle is not a tar.gz"',
    'fi',
    'if [ -n "$RESUME_URI" ]; then',
    '  artenic_fetch_dir "$RESUME_URI" "$RESUME" >>"$LOG" 2>&1 || artenic_finish failed null "checkpoint download failed"',
    '  export ARTENIC_RESUME_DIR="$RESUME"',
    'fi',
    'cd "$WORK"',
    `( while sleep ${sync}; do artenic_sync; done ) &`,
    'SYNC_PID=$!',
    'artenic_note "training started"',
    `timeout --signal=TERM --kill-after=30 "$MAX_RUNTIME" ${command} >>"$LOG" 2>&1 </dev/null`,
    'CODE=$?',
    'kill "$SYNC_PID" 2>/dev/null; wait "$SYNC_PID" 2>/dev/null',
    'if [ "$CODE" -eq 0 ]; then artenic_finish completed 0 ""',
    'elif [ "$CODE" -eq 124 ]; then artenic_finish failed "$CODE" "max runtime exceeded"',
    'else artenic_finish failed "$CODE" "training command exited with code $CODE"; fi',
    '',
  ].join('\n');
}
