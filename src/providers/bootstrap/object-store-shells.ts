import type { ObjectStoreShell } from './object-store.port';
import { shellQuote } from './bootstrap-script';

/**
 * S3 and S3-compatible stores through the `aws` CLI. Credentials come from the machine (EC2 instance profile)
 * or from the environment of the run (`AWS_ACCESS_KEY_ID` … set by the adapter for non-AWS machines).
 */
export function s3Shell(options: { endpointUrl?: string; region?: string } = {}): ObjectStoreShell {
  const flags = [
    options.endpointUrl ? `--endpoint-url ${shellQuote(options.endpointUrl)}` : '',
    options.region ? `--region ${shellQuote(options.region)}` : '',
    '--only-show-errors',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    setup: ['command -v aws >/dev/null 2>&1 || python3 -m pip install --quiet awscli >>"$LOG" 2>&1'],
    fetch: `aws s3 cp ${flags} "$1" "$2"`,
    fetchDir: `aws s3 cp ${flags} --recursive "$1" "$2"`,
    upload: `aws s3 cp ${flags} "$1" "$2"`,
  };
}

/** Google Cloud Storage through `gcloud storage` with the VM's service account. */
export function gcsShell(): ObjectStoreShell {
  return {
    setup: [],
    fetch: 'gcloud storage cp --quiet "$1" "$2"',
    fetchDir: 'gcloud storage cp --quiet --recursive "${1%/}/*" "$2"',
    upload: 'gcloud storage cp --quiet "$1" "$2"',
  };
}

/**
 * Azure Blob Storage through the `az` CLI, logged in with the VM's managed identity (the reference never
 * logged in, so every transfer failed silently). URIs are full blob URLs.
 */
export function azureBlobShell(): ObjectStoreShell {
  return {
    setup: [
      'command -v az >/dev/null 2>&1 || (curl -sL https://aka.ms/InstallAzureCLIDeb | bash) >>"$LOG" 2>&1',
      'az login --identity --output none >>"$LOG" 2>&1 || artenic_note "managed identity login failed"',
    ],
    fetch:
      'az storage blob download --auth-mode login --only-show-errors --blob-url "$1" --file "$2" --output none',
    fetchDir:
      'local acct cont path; acct="${1#https://}"; acct="${acct%%.*}"; path="${1#https://*/}"; cont="${path%%/*}"; ' +
      'path="${path#*/}"; az storage blob download-batch --auth-mode login --only-show-errors --account-name "$acct" ' +
      '--source "$cont" --pattern "${path%/}/*" --destination "$2" --output none',
    upload:
      'az storage blob upload --auth-mode login --only-show-errors --overwrite --blob-url "$2" --file "$1" --output none',
  };
}
