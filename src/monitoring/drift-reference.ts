import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { DomainError } from '../common/errors/domain-error';
import { MODEL_REGISTRY, type ModelRegistry } from '../registry/model-registry.port';
import { ModelMonitorEntity, type ReferenceSamples, type ReferenceSource } from './model-health.entities';
import { PredictionWindow } from './prediction-window.query';

/** The artifact that, uploaded with a version, is its drift reference. */
export const REFERENCE_ARTIFACT = 'reference.json';

export type ReferenceState =
  | {
      ready: true;
      source: ReferenceSource;
      samples: ReferenceSamples;
      after: { at: Date; id: string } | null;
    }
  | { ready: false; collected: number };

/**
 * The distribution a model's current traffic is compared with. Either a `reference.json` artifact of the
 * version (`{"inputs": [row…], "outputs": [row…]}` or a bare array of input rows), or the first
 * `reference_size` sampled predictions after its latest promotion to production (after its first
 * prediction when no promotion was seen). Once complete it is frozen in `model_monitors`, so it is read
 * once and stays the same across checks; a new promotion or a new reference artifact resets it.
 */
@Injectable()
export class DriftReferences {
  private readonly logger = new Logger('DriftReferences');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MODEL_REGISTRY) private readonly registry: ModelRegistry,
    @InjectRepository(ModelMonitorEntity) private readonly monitors: Repository<ModelMonitorEntity>,
    private readonly window: PredictionWindow,
  ) {}

  async resolve(monitor: ModelMonitorEntity): Promise<ReferenceState> {
    if (monitor.reference && monitor.reference_source) return frozen(monitor);
    const artifact = await this.fromArtifact(monitor.model_id);
    if (artifact) return this.freeze(monitor, 'artifact', artifact, null);
    const size = this.config.health.reference_size;
    const collected = await this.window.samples({
      modelId: monitor.model_id,
      since: monitor.promoted_at ?? new Date(0),
      order: 'oldest',
      limit: size,
    });
    if (collected.inputs.length < size) return { ready: false, collected: collected.inputs.length };
    return this.freeze(monitor, 'traffic', collected, collected.last);
  }

  private async fromArtifact(modelId: string): Promise<ReferenceSamples | undefined> {
    let content: Buffer;
    try {
      content = await this.registry.readArtifact(modelId, REFERENCE_ARTIFACT);
    } catch (error) {
      if (error instanceof DomainError && error.kind === 'not_found') return undefined;
      throw error;
    }
    const parsed = parseReference(content);
    if (!parsed)
      this.logger.warn(`${modelId}: ${REFERENCE_ARTIFACT} is not a reference data set; using traffic`);
    return parsed;
  }

  private async freeze(
    monitor: ModelMonitorEntity,
    source: ReferenceSource,
    samples: ReferenceSamples,
    after: { at: Date; id: string } | null,
  ): Promise<ReferenceState> {
    const reference = { inputs: samples.inputs, outputs: samples.outputs };
    // Only if nobody replaced or reset it meanwhile (a promotion seen by the lifecycle consumer).
    await this.monitors
      .createQueryBuilder()
      .update()
      .set({
        reference_source: source,
        reference,
        reference_end_at: after?.at ?? null,
        reference_end_id: after?.id ?? null,
      } as QueryDeepPartialEntity<ModelMonitorEntity>)
      .where('model_id = :id AND reference IS NULL', { id: monitor.model_id })
      .execute();
    Object.assign(monitor, { reference_source: source, reference });
    return { ready: true, source, samples: reference, after };
  }
}

function frozen(monitor: ModelMonitorEntity): ReferenceState {
  const after =
    monitor.reference_end_at && monitor.reference_end_id
      ? { at: monitor.reference_end_at, id: monitor.reference_end_id }
      : null;
  return { ready: true, source: monitor.reference_source!, samples: monitor.reference!, after };
}

function parseReference(content: Buffer): ReferenceSamples | undefined {
  let value: unknown;
  try {
    value = JSON.parse(content.toString('utf8'));
  } catch {
    return undefined;
  }
  const rows = (v: unknown) =>
    Array.isArray(v)
      ? v.filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null)
      : [];
  if (Array.isArray(value)) return { inputs: rows(value), outputs: [] };
  if (typeof value !== 'object' || value === null) return undefined;
  const body = value as Record<string, unknown>;
  if (!Array.isArray(body.inputs)) return undefined;
  return { inputs: rows(body.inputs), outputs: rows(body.outputs) };
}
