import { shellQuote } from '@app/providers/bootstrap/bootstrap-script';
import type { ObjectStoreShell } from '@app/providers/bootstrap/object-store.port';

/**
 * Blob transfers for the VM's start-up script with `curl` and the Blob REST API, authorised by the VM's managed
 * identity token from the instance metadata service (IMDS). Nothing to install at boot (the `az` CLI is a
 * large download), and no secret in the custom data. `ARTENIC_IMDS_ENDPOINT` overrides the IMDS address for
 * tests. `endpoint` is the account's Blob endpoint; URIs are `{endpoint}/{container}/{blob}`.
 */
export function azureRestBlobShell(endpoint: string): ObjectStoreShell {
  const base = shellQuote(endpoint.replace(/\/+$/, ''));
  const auth = '-H "x-ms-version: 2021-08-06" -H "Authorization: Bearer $(artenic_blob_token)"';
  return {
    setup: [
      'ARTENIC_IMDS="${ARTENIC_IMDS_ENDPOINT:-http://169.254.169.254}"',
      `ARTENIC_BLOB_BASE=${base}`,
      'artenic_blob_token() {',
      '  curl -sf -H "Metadata: true" --max-time 10 \\',
      '    "$ARTENIC_IMDS/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fstorage.azure.com%2F" \\',
      '    | sed -n \'s/.*"access_token" *: *"\\([^"]*\\)".*/\\1/p\'',
      '}',
      'artenic_url() { local u="$1"; u="${u// /%20}"; printf \'%s\' "${u//#/%23}"; }',
    ],
    fetch: `curl -sfS --retry 3 ${auth} -o "$2" "$(artenic_url "$1")"`,
    fetchDir: [
      'local rest="${1#"$ARTENIC_BLOB_BASE"/}" cont prefix marker="" xml name',
      'cont="${rest%%/*}"; prefix="${rest#*/}"; prefix="${prefix%/}/"',
      'while :; do',
      `  xml=$(curl -sfS --retry 3 ${auth} "$ARTENIC_BLOB_BASE/$cont?restype=container&comp=list&prefix=$(artenic_url "$prefix")&marker=$marker") || return 1`,
      '  while IFS= read -r name; do',
      '    [ -n "$name" ] || continue',
      '    mkdir -p "$(dirname "$2/${name#"$prefix"}")"',
      `    curl -sfS --retry 3 ${auth} -o "$2/\${name#"$prefix"}" "$(artenic_url "$ARTENIC_BLOB_BASE/$cont/$name")" || return 1`,
      `  done < <(printf '%s' "$xml" | grep -o '<Name>[^<]*</Name>' | sed 's/<[^>]*>//g')`,
      `  marker=$(printf '%s' "$xml" | sed -n 's/.*<NextMarker>\\([^<]*\\)<\\/NextMarker>.*/\\1/p')`,
      '  [ -n "$marker" ] || break',
      'done',
    ].join('\n'),
    upload:
      `curl -sfS --retry 3 -X PUT ${auth} -H "x-ms-blob-type: BlockBlob" ` +
      '-H "Content-Type: application/octet-stream" --data-binary @"$1" "$(artenic_url "$2")" >/dev/null',
  };
}
