import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { notFound } from '../../common/errors/domain-error';
import type { ArtifactStorage } from './artifact-storage.port';

/** Artifacts as files under a root directory; a partial upload never appears under its final name. */
export class LocalArtifactStorage implements ArtifactStorage {
  readonly backend = 'local' as const;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, body: Readable): Promise<void> {
    const target = this.pathOf(key);
    const temp = join(this.root, '.incoming', randomUUID());
    await mkdir(dirname(temp), { recursive: true });
    await mkdir(dirname(target), { recursive: true });
    try {
      await pipeline(body, createWriteStream(temp));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    const stream = createReadStream(this.pathOf(key));
    await new Promise<void>((ok, fail) => {
      stream.once('open', () => ok());
      stream.once('error', (error: NodeJS.ErrnoException) =>
        fail(
          error.code === 'ENOENT'
            ? notFound('ARTIFACT_NOT_FOUND', `Artifact data '${key}' is missing`)
            : error,
        ),
      );
    });
    return stream;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  /** Keys come from the registry, but a path escaping the root is refused all the same. */
  private pathOf(key: string): string {
    const full = resolve(this.root, key);
    if (!full.startsWith(this.root + sep)) throw new Error(`artifact key escapes the storage root: ${key}`);
    return full;
  }
}
