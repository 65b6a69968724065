/**
 * Container clouds (RunPod, Vast.ai) start a command line, not a user-data file. The bootstrap script travels
 * base64-encoded in one environment variable and a fixed, quote-free command decodes and runs it, so no part
 * of the script is ever re-parsed by a shell (the reference joined lines with `&&` after a shebang).
 */
export const BOOTSTRAP_ENV = 'ARTENIC_BOOTSTRAP_B64';

export function containerCommand(): string {
  return `bash -c 'echo "$${BOOTSTRAP_ENV}" | base64 -d > /tmp/artenic-bootstrap.sh && exec bash /tmp/artenic-bootstrap.sh'`;
}

export function encodeScript(script: string): string {
  return Buffer.from(script, 'utf8').toString('base64');
}
