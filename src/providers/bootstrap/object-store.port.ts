/**
 * Object storage as the platform side of a VM run sees it: the bootstrap script writes the status marker,
 * logs, checkpoints and artifacts; the adapter reads them back through one of these. URIs are the cloud's own
 * (`s3://bucket/key`, `gs://bucket/key`, `https://account.blob.core.windows.net/container/blob`).
 */
export interface StoredObject {
  uri: string;
  size_bytes: number;
}

export interface ObjectStore {
  /** The object's text, or null when it does not exist. */
  getText(uri: string): Promise<string | null>;
  /** Every object under a prefix (all pages). */
  list(prefixUri: string): Promise<StoredObject[]>;
  download(uri: string, localPath: string): Promise<void>;
  /** Deletes every object under a prefix; idempotent. */
  deletePrefix(prefixUri: string): Promise<void>;
}

/** How the bootstrap script moves files for one storage kind: bash snippets using `$1` (source) and `$2`. */
export interface ObjectStoreShell {
  /** Run once before any transfer (e.g. `az login --identity`); must not print secrets. */
  setup: string[];
  /** Copies one object `$1` to the local file `$2`. */
  fetch: string;
  /** Copies every object under prefix `$1` into the local directory `$2`. */
  fetchDir: string;
  /** Copies the local file `$1` to the object `$2`. */
  upload: string;
}

/** `s3://bucket/a/b` → { bucket, key }. */
export function splitBucketUri(uri: string, scheme: 's3' | 'gs'): { bucket: string; key: string } {
  const prefix = `${scheme}://`;
  if (!uri.startsWith(prefix)) throw new Error(`not a ${scheme}:// URI: ${uri}`);
  const rest = uri.slice(prefix.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? { bucket: rest, key: '' } : { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

/** Joins URI segments with exactly one slash between them. */
export function joinUri(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ''), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ''))]
    .filter(Boolean)
    .join('/');
}
