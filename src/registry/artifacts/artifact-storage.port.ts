import type { Readable } from 'node:stream';

export const ARTIFACT_STORAGE = Symbol('ARTIFACT_STORAGE');

/**
 * Where artifact bytes live. Keys are opaque relative paths chosen by the registry; bodies are streamed in
 * both directions so a large model never sits whole in memory.
 */
export interface ArtifactStorage {
  readonly backend: 'local' | 's3';
  /** Stores the stream under `key`, replacing nothing: callers choose fresh keys. */
  put(key: string, body: Readable): Promise<void>;
  get(key: string): Promise<Readable>;
  delete(key: string): Promise<void>;
}
