import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { InferenceSession } from 'onnxruntime-node';
import { onnxRuntime } from './onnx-runtime-loader';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config.schema';
import { DomainError } from '../../common/errors/domain-error';
import {
  MODEL_REGISTRY,
  type ModelRegistry,
  type ModelVersionView,
} from '../../registry/model-registry.port';
import type { ModelSignature } from './model-runtime.port';
import { batchable, signatureOf } from './onnx-tensors';

export interface CachedSession {
  modelId: string;
  checksum: string;
  session: InferenceSession;
  /** The declared inputs and outputs, read once at load. */
  signature: ModelSignature;
  /** Whether a whole batch runs in one call (every input has a variable first dimension). */
  batchable: boolean;
  /** Estimated resident size: the artifact's bytes twice (weights plus ORT's copies). */
  bytes: number;
  /** Runs in flight; an evicted session is released when the last one ends. */
  inUse: number;
  retired: boolean;
}

/**
 * ONNX sessions, least recently used first out, bounded by a count and an estimated memory budget. A
 * session is keyed by the version id and the sha-256 of its artifact, so a replaced artifact is never
 * answered by a stale session. Concurrent first requests for one version share a single load.
 */
@Injectable()
export class OnnxSessionCache implements OnApplicationShutdown {
  private readonly logger = new Logger('OnnxSessionCache');
  /** Insertion order = recency order (re-inserted on every hit). */
  private readonly sessions = new Map<string, CachedSession>();
  private readonly loading = new Map<string, Promise<CachedSession>>();
  private totalBytes = 0;
  private evictions = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
  ) {}

  artifactOf(version: ModelVersionView): string {
    return version.serving?.artifact ?? 'model.onnx';
  }

  /** Runs `work` with the version's session, which is not released while the work runs. */
  use<T>(version: ModelVersionView, work: (entry: CachedSession) => Promise<T>): Promise<T> {
    const hit = this.hit(version.id);
    return hit ? this.runWith(hit, work) : this.get(version).then((entry) => this.runWith(entry, work));
  }

  get(version: ModelVersionView): Promise<CachedSession> {
    const cached = this.hit(version.id);
    if (cached) return Promise.resolve(cached);
    let pending = this.loading.get(version.id);
    if (!pending) {
      pending = this.load(version).finally(() => this.loading.delete(version.id));
      this.loading.set(version.id, pending);
    }
    return pending;
  }

  /** The cached session, marked most recently used. */
  private hit(id: string): CachedSession | undefined {
    const cached = this.sessions.get(id);
    if (cached) {
      this.sessions.delete(id);
      this.sessions.set(id, cached);
    }
    return cached;
  }

  private runWith<T>(entry: CachedSession, work: (entry: CachedSession) => Promise<T>): Promise<T> {
    entry.inUse += 1;
    const done = () => {
      entry.inUse -= 1;
      if (entry.retired && entry.inUse === 0) this.release(entry);
    };
    let running: Promise<T>;
    try {
      running = work(entry);
    } catch (error) {
      done();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return running.then(
      (value) => {
        done();
        return value;
      },
      (error: unknown) => {
        done();
        throw error;
      },
    );
  }

  /** Loads (or reloads, when the artifact changed) the version's session. */
  async refresh(version: ModelVersionView): Promise<CachedSession> {
    const bytes = await this.readArtifact(version);
    const current = this.sessions.get(version.id);
    if (current && current.checksum === checksumOf(bytes)) return current;
    return this.store(version, bytes);
  }

  stats(): Record<string, unknown> {
    return {
      sessions: this.sessions.size,
      estimated_mb: Math.round((this.totalBytes / 1024 / 1024) * 100) / 100,
      evictions: this.evictions,
      models: [...this.sessions.values()].map((s) => ({
        model_id: s.modelId,
        checksum: s.checksum.slice(0, 12),
      })),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(all.map((s) => s.session.release()));
  }

  private async load(version: ModelVersionView): Promise<CachedSession> {
    return this.store(version, await this.readArtifact(version));
  }

  private async readArtifact(version: ModelVersionView): Promise<Buffer> {
    try {
      return await this.registry.readArtifact(version.id, this.artifactOf(version));
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'not_found') {
        throw new DomainError(
          'conflict',
          'MODEL_ARTIFACT_MISSING',
          `model ${version.id} has no artifact '${this.artifactOf(version)}' to serve`,
          { model_id: version.id, artifact: this.artifactOf(version) },
        );
      }
      throw error;
    }
  }

  private async store(version: ModelVersionView, bytes: Buffer): Promise<CachedSession> {
    let session: InferenceSession;
    try {
      session = await onnxRuntime().InferenceSession.create(bytes, {
        intraOpNumThreads: this.config.inference.onnx_intra_op_threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (error) {
      throw new DomainError(
        'conflict',
        'MODEL_ARTIFACT_INVALID',
        `model ${version.id}: the ONNX artifact cannot be loaded`,
        {
          model_id: version.id,
          reason: (error as Error).message.slice(0, 500),
        },
      );
    }
    let signature: ModelSignature;
    try {
      signature = signatureOf(session);
    } catch (error) {
      void session.release().catch(() => undefined);
      throw error;
    }
    const entry: CachedSession = {
      modelId: version.id,
      checksum: checksumOf(bytes),
      session,
      signature,
      batchable: batchable(signature),
      bytes: bytes.length * 2,
      inUse: 0,
      retired: false,
    };
    this.evict(version.id);
    this.sessions.set(version.id, entry);
    this.totalBytes += entry.bytes;
    this.enforceLimits(version.id);
    return entry;
  }

  private enforceLimits(keep: string): void {
    const capBytes = this.config.inference.session_cache_mb * 1024 * 1024;
    for (const id of this.sessions.keys()) {
      const over = this.sessions.size > this.config.inference.max_sessions || this.totalBytes > capBytes;
      if (!over) return;
      if (id === keep) continue;
      this.evict(id);
      this.evictions += 1;
    }
  }

  private evict(id: string): void {
    const entry = this.sessions.get(id);
    if (!entry) return;
    this.sessions.delete(id);
    this.totalBytes -= entry.bytes;
    entry.retired = true;
    if (entry.inUse === 0) this.release(entry);
  }

  private release(entry: CachedSession): void {
    void entry.session
      .release()
      .catch((e: Error) => this.logger.warn(`release ${entry.modelId}: ${e.message}`));
  }
}

const checksumOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
