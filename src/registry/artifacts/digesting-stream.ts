import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through while counting them and computing their SHA-256. */
export class DigestingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  /** Not `size`: the S3 multipart uploader reads `Body.size` as the total length to expect. */
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * A download that checks what it streams against the recorded size and digest: stored bytes that changed
 * end the transfer with an error instead of reaching the client as if they were intact.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;

  constructor(
    private readonly expectedSha256: string,
    private readonly expectedSize: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const sha = this.hash.digest('hex');
    if (sha !== this.expectedSha256 || this.size !== this.expectedSize) {
      callback(
        new Error(
          `stored artifact is corrupt: sha256 ${sha} (${this.size} bytes), recorded ${this.expectedSha256}`,
        ),
      );
      return;
    }
    callback();
  }
}
