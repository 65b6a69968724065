import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { DomainError } from '../common/errors/domain-error';
import type { BatchTensor } from './runtime/model-runtime.port';
import { ModelExecutor } from './runtime/model-executor.service';
import type { Row } from './runtime/tensors';
import { PredictionTargetResolver, type PredictionTarget } from './prediction-target.resolver';
import { EnsembleRunners, type EnsembleMemberOutcome } from './routing/ensemble-runner.port';
import { PredictionRecorder, type PredictionRecord } from './recording/prediction-recorder';
import { predictionId } from './recording/prediction-id';
import type { RouteRequest } from './routing/prediction-routing.port';

export interface PredictCall {
  service: string;
  rows: Row[];
  subject: string;
  /** An explicit version (`name_vN` or `name@alias`): wins over any routing. */
  modelId?: string | null;
  /** Skip resolution: this target answers (OIP `/versions/{v}`, ensemble predict). */
  target?: PredictionTarget;
  request: RouteRequest['request'];
}

/** Who answered and what, for every row of one call. */
export interface PredictOutcome {
  service: string;
  model_id: string;
  model_version: string;
  ensemble_id?: string;
  ensemble_version?: number;
  variant?: string;
  ab_test_id?: string;
  members?: EnsembleMemberOutcome[];
  latency_ms: number;
  timestamp: string;
  /** The id of the call's record; row i of a batch is `<id>:<i>`. */
  prediction_id: string;
  rows: Row[];
  tensors?: BatchTensor[];
}

/** The predict use case: resolve the target, run the batch in one call, record every row, answer. */
@Injectable()
export class PredictionService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly resolver: PredictionTargetResolver,
    private readonly executor: ModelExecutor,
    private readonly ensembles: EnsembleRunners,
    private readonly recorder: PredictionRecorder,
  ) {}

  async predict(call: PredictCall): Promise<PredictOutcome> {
    const max = this.config.inference.max_batch_size;
    if (call.rows.length > max) {
      throw new DomainError(
        'too_large',
        'BATCH_TOO_LARGE',
        `a batch holds at most ${max} rows (got ${call.rows.length})`,
        {
          max_batch_size: max,
          rows: call.rows.length,
        },
      );
    }
    const target = call.target ?? (await this.resolver.resolve(call, call.modelId));
    const started = performance.now();
    try {
      const outcome = await this.execute(call, target);
      outcome.latency_ms = round(performance.now() - started);
      this.recordSuccess(call, outcome);
      return outcome;
    } catch (error) {
      this.recordFailure(call, target, round(performance.now() - started), error);
      throw error;
    }
  }

  private async execute(call: PredictCall, target: PredictionTarget): Promise<PredictOutcome> {
    const timestamp = new Date().toISOString();
    const prediction_id = predictionId();
    const routed = { variant: target.variant, ab_test_id: target.ab_test_id };
    if (call.rows.length === 0) {
      const id = target.kind === 'model' ? target.version.id : target.ensemble_id;
      return {
        service: call.service,
        model_id: id,
        model_version: '',
        latency_ms: 0,
        timestamp,
        prediction_id,
        rows: [],
      };
    }
    if (target.kind === 'model') {
      const answer = await this.executor.predict(target.version, call.rows);
      const v = target.version;
      return {
        service: call.service,
        model_id: v.id,
        model_version: v.version,
        ...routed,
        latency_ms: 0,
        timestamp,
        prediction_id,
        ...answer,
      };
    }
    const answer = await this.ensembles.get().predict(target.ensemble_id, target.ensemble_version, call.rows);
    return {
      service: call.service,
      model_id: answer.ensemble_id,
      model_version: String(answer.ensemble_version),
      ensemble_id: answer.ensemble_id,
      ensemble_version: answer.ensemble_version,
      members: answer.members,
      ...routed,
      latency_ms: 0,
      timestamp,
      prediction_id,
      rows: answer.rows,
      tensors: answer.tensors,
    };
  }

  /**
   * One record per model call (a batch is one call: its latency is the call's, its rows share the subject),
   * so recording costs the same for 1 row or 1000; sampled calls keep their inputs and outputs.
   */
  private recordSuccess(call: PredictCall, o: PredictOutcome): void {
    const rate = this.config.inference.sample_rate;
    const sampled = rate > 0 && Math.random() < rate;
    const single = call.rows.length === 1;
    this.recorder.record(
      this.baseRecord(call, o.prediction_id, o.latency_ms, {
        model_id: o.ensemble_id ? null : o.model_id,
        ensemble_id: o.ensemble_id ?? null,
        ensemble_version: o.ensemble_version ?? null,
        variant: o.variant ?? null,
        ab_test_id: o.ab_test_id ?? null,
        inputs: sampled ? (single ? call.rows[0]! : { batch: call.rows }) : null,
        outputs: sampled ? (single ? o.rows[0]! : { batch: o.rows }) : null,
      }),
    );
  }

  private recordFailure(call: PredictCall, target: PredictionTarget, latency: number, error: unknown): void {
    const code = error instanceof DomainError ? error.code : 'INTERNAL_ERROR';
    const message = error instanceof Error ? error.message.slice(0, 1000) : String(error);
    this.recorder.record(
      this.baseRecord(call, predictionId(), latency, {
        model_id: target.kind === 'model' ? target.version.id : null,
        ensemble_id: target.kind === 'ensemble' ? target.ensemble_id : null,
        ensemble_version: target.kind === 'ensemble' ? (target.ensemble_version ?? null) : null,
        variant: target.variant ?? null,
        ab_test_id: target.ab_test_id ?? null,
        error: message,
        error_code: code,
      }),
    );
  }

  private baseRecord(
    call: PredictCall,
    id: string,
    latency: number,
    fields: Partial<PredictionRecord>,
  ): PredictionRecord {
    return {
      id,
      service: call.service,
      model_id: null,
      ensemble_id: null,
      ensemble_version: null,
      variant: null,
      ab_test_id: null,
      subject: call.subject.slice(0, 255),
      latency_ms: latency,
      batch_size: call.rows.length,
      error: null,
      error_code: null,
      inputs: null,
      outputs: null,
      created_at: new Date(),
      ...fields,
    };
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
