import { performance } from 'node:perf_hooks';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { andThen, settle, type MaybePromise } from '../common/async/maybe-promise';
import { DomainError } from '../common/errors/domain-error';
import type { BatchTensor, RuntimeAnswer } from './runtime/model-runtime.port';
import { ModelExecutor } from './runtime/model-executor.service';
import type { Row } from './runtime/tensors';
import { PredictionTargetResolver, type PredictionTarget } from './prediction-target.resolver';
import {
  EnsembleRunners,
  type EnsembleAnswer,
  type EnsembleMemberOutcome,
} from './routing/ensemble-runner.port';
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

type TargetAnswer = RuntimeAnswer | EnsembleAnswer;

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

  /**
   * Written without `async`: on the hot path (target cached, one model) it costs one promise for the model
   * run and one for the answer, instead of one per step.
   */
  predict(call: PredictCall): Promise<PredictOutcome> {
    return settle(() => {
      const max = this.config.inference.max_batch_size;
      if (call.rows.length > max) {
        throw new DomainError(
          'too_large',
          'BATCH_TOO_LARGE',
          `a batch holds at most ${max} rows (got ${call.rows.length})`,
          { max_batch_size: max, rows: call.rows.length },
        );
      }
      return andThen(call.target ?? this.resolver.resolve(call, call.modelId), (target) =>
        this.run(call, target),
      );
    });
  }

  /** Runs the target and records the call, in the callbacks of the run's own promise (no extra step). */
  private run(call: PredictCall, target: PredictionTarget): Promise<PredictOutcome> {
    const started = performance.now();
    const timestamp = new Date().toISOString();
    const prediction_id = predictionId();
    return settle(() => this.execute(call, target)).then(
      (answer) => {
        const outcome = this.outcome(call, target, answer, timestamp, prediction_id);
        outcome.latency_ms = round(performance.now() - started);
        this.recordSuccess(call, outcome);
        return outcome;
      },
      (error: unknown) => {
        this.recordFailure(call, target, round(performance.now() - started), error);
        throw error;
      },
    );
  }

  private execute(call: PredictCall, target: PredictionTarget): MaybePromise<TargetAnswer> {
    if (call.rows.length === 0) return { rows: [] };
    if (target.kind === 'model') return this.executor.predict(target.version, call.rows);
    return this.ensembles.get().predict(target.ensemble_id, target.ensemble_version, call.rows);
  }

  private outcome(
    call: PredictCall,
    target: PredictionTarget,
    answer: TargetAnswer,
    timestamp: string,
    prediction_id: string,
  ): PredictOutcome {
    if ('ensemble_id' in answer) {
      return {
        service: call.service,
        model_id: answer.ensemble_id,
        model_version: String(answer.ensemble_version),
        ensemble_id: answer.ensemble_id,
        ensemble_version: answer.ensemble_version,
        members: answer.members,
        variant: target.variant,
        ab_test_id: target.ab_test_id,
        latency_ms: 0,
        timestamp,
        prediction_id,
        rows: answer.rows,
        tensors: answer.tensors,
      };
    }
    const empty = call.rows.length === 0;
    return {
      service: call.service,
      model_id: target.kind === 'model' ? target.version.id : target.ensemble_id,
      model_version: empty || target.kind !== 'model' ? '' : target.version.version,
      variant: empty ? undefined : target.variant,
      ab_test_id: empty ? undefined : target.ab_test_id,
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
    const record = this.baseRecord(call, o.prediction_id, o.latency_ms);
    record.model_id = o.ensemble_id ? null : o.model_id;
    record.ensemble_id = o.ensemble_id ?? null;
    record.ensemble_version = o.ensemble_version ?? null;
    record.variant = o.variant ?? null;
    record.ab_test_id = o.ab_test_id ?? null;
    if (sampled) {
      record.inputs = single ? call.rows[0]! : { batch: call.rows };
      record.outputs = single ? o.rows[0]! : { batch: o.rows };
    }
    this.recorder.record(record);
  }

  private recordFailure(call: PredictCall, target: PredictionTarget, latency: number, error: unknown): void {
    const record = this.baseRecord(call, predictionId(), latency);
    record.model_id = target.kind === 'model' ? target.version.id : null;
    record.ensemble_id = target.kind === 'ensemble' ? target.ensemble_id : null;
    record.ensemble_version = target.kind === 'ensemble' ? (target.ensemble_version ?? null) : null;
    record.variant = target.variant ?? null;
    record.ab_test_id = target.ab_test_id ?? null;
    record.error = error instanceof Error ? error.message.slice(0, 1000) : String(error);
    record.error_code = error instanceof DomainError ? error.code : 'INTERNAL_ERROR';
    this.recorder.record(record);
  }

  /** A record with every field present (one object shape for all records), to be filled in by the caller. */
  private baseRecord(call: PredictCall, id: string, latency: number): PredictionRecord {
    return {
      id,
      service: call.service,
      model_id: null,
      ensemble_id: null,
      ensemble_version: null,
      variant: null,
      ab_test_id: null,
      subject: call.subject.length > 255 ? call.subject.slice(0, 255) : call.subject,
      latency_ms: latency,
      batch_size: call.rows.length,
      error: null,
      error_code: null,
      inputs: null,
      outputs: null,
      created_at: new Date(),
    };
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
