import { createReadStream } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Readable } from 'node:stream';
import { QueryFailedError, type Repository } from 'typeorm';
import { DomainError, conflict, invalid, notFound } from '../../common/errors/domain-error';
import { TransactionRunner } from '../../database/transaction-runner';
import { EventOutbox } from '../../events/event-outbox';
import { ModelCatalog } from '../model-catalog.service';
import { LIFECYCLE_EVENTS, lifecycleEvent } from '../registry.events';
import { ARTIFACT_STORAGE, type ArtifactStorage } from './artifact-storage.port';
import { DigestingStream, VerifyingStream } from './digesting-stream';
import { ModelArtifactEntity } from '../model-artifact.entity';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;
const SHA256 = /^[a-f0-9]{64}$/;

export interface UploadExpectations {
  /** Hex SHA-256 the client computed; a mismatch rejects the upload. */
  sha256?: string;
  size?: number;
}

/** A version's artifact files: streamed upload with size and digest recorded, verified download. */
@Injectable()
export class ModelArtifacts {
  constructor(
    @Inject(ARTIFACT_STORAGE) private readonly storage: ArtifactStorage,
    @InjectRepository(ModelArtifactEntity) private readonly artifacts: Repository<ModelArtifactEntity>,
    private readonly catalog: ModelCatalog,
    private readonly outbox: EventOutbox,
    private readonly tx: TransactionRunner,
  ) {}

  async upload(ref: string, path: string, body: Readable, expect: UploadExpectations, actor: string) {
    const cleanPath = validatePath(path);
    if (expect.sha256 !== undefined && !SHA256.test(expect.sha256)) {
      throw invalid('INVALID_CHECKSUM', 'X-Checksum-SHA256 must be 64 lowercase hex characters.');
    }
    const model = await this.catalog.get(ref);
    if (await this.artifacts.existsBy({ model_id: model.id, path: cleanPath }))
      throw exists(model.id, cleanPath);
    const key = `${model.id}/${randomUUID()}`;
    const digesting = new DigestingStream();
    body.once('error', (error) => digesting.destroy(error));
    await this.storage.put(key, body.pipe(digesting));
    const sha256 = digesting.digest();
    const mismatch = mismatchOf(expect, sha256, digesting.bytes);
    if (mismatch) {
      await this.storage.delete(key);
      throw invalid('ARTIFACT_CHECKSUM_MISMATCH', `Upload of '${cleanPath}' does not match: ${mismatch}.`, {
        sha256,
        size_bytes: digesting.bytes,
      });
    }
    const record = this.artifacts.create({
      model_id: model.id,
      path: cleanPath,
      size_bytes: digesting.bytes,
      sha256,
      storage_key: key,
      uploaded_by: actor,
      created_at: new Date(),
    });
    try {
      await this.tx.run(async (manager) => {
        await manager.insert(ModelArtifactEntity, record);
        await this.outbox.append(
          manager,
          lifecycleEvent(LIFECYCLE_EVENTS.artifactUploaded, model, {
            path: cleanPath,
            size_bytes: record.size_bytes,
            sha256,
            actor,
          }),
        );
      });
    } catch (error) {
      await this.storage.delete(key);
      if (error instanceof QueryFailedError && /unique|duplicate/i.test(error.message))
        throw exists(model.id, cleanPath);
      throw error;
    }
    return record;
  }

  /** Stores a file produced elsewhere (a training job's output directory). */
  async attachFromFile(ref: string, path: string, localPath: string, actor: string): Promise<void> {
    await this.upload(ref, path, createReadStream(localPath), {}, actor);
  }

  async list(ref: string): Promise<ModelArtifactEntity[]> {
    const model = await this.catalog.get(ref);
    return this.artifacts.find({ where: { model_id: model.id }, order: { path: 'ASC' } });
  }

  async open(ref: string, path: string): Promise<{ record: ModelArtifactEntity; stream: Readable }> {
    const record = await this.record(ref, path);
    const source = await this.storage.get(record.storage_key);
    const verifying = new VerifyingStream(record.sha256, record.size_bytes);
    source.once('error', (error) => verifying.destroy(error));
    return { record, stream: source.pipe(verifying) };
  }

  /** The whole file, verified (serving loads model files this way). */
  async read(ref: string, path: string): Promise<Buffer> {
    const { record, stream } = await this.open(ref, path);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (error) {
      throw new DomainError(
        'internal',
        'ARTIFACT_CORRUPT',
        `Artifact '${record.path}' of '${record.model_id}': ${(error as Error).message}`,
      );
    }
    return Buffer.concat(chunks);
  }

  private async record(ref: string, path: string): Promise<ModelArtifactEntity> {
    const model = await this.catalog.get(ref);
    const record = await this.artifacts.findOneBy({ model_id: model.id, path: validatePath(path) });
    if (!record) {
      throw notFound('ARTIFACT_NOT_FOUND', `Model '${model.id}' has no artifact '${path}'`, {
        model_id: model.id,
        path,
      });
    }
    return record;
  }
}

function validatePath(path: string): string {
  const segments = path.split('/');
  if (path.length === 0 || path.length > 500 || !segments.every((s) => SEGMENT.test(s))) {
    throw invalid(
      'INVALID_ARTIFACT_PATH',
      `Artifact path '${path}' must be relative, with segments of letters, digits, '.', '_', '+' or '-' (no '..').`,
    );
  }
  return path;
}

function mismatchOf(expect: UploadExpectations, sha256: string, size: number): string | undefined {
  if (expect.size !== undefined && expect.size !== size)
    return `received ${size} bytes, expected ${expect.size}`;
  if (expect.sha256 !== undefined && expect.sha256 !== sha256)
    return `sha256 ${sha256}, expected ${expect.sha256}`;
  return undefined;
}

const exists = (modelId: string, path: string) =>
  conflict(
    'ARTIFACT_EXISTS',
    `Model '${modelId}' already has an artifact '${path}'; artifacts are immutable.`,
    {
      model_id: modelId,
      path,
    },
  );
