import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../config/config.module';
import type { AppConfig } from '../../config/app-config.schema';
import { DomainError } from '../../common/errors/domain-error';
import type { ModelVersionView } from '../../registry/model-registry.port';
import { ConcurrencyLimiter } from './concurrency-limiter';
import type { ModelRuntime, ModelSignature, RuntimeAnswer } from './model-runtime.port';
import { OnnxRuntime } from './onnx.runtime';
import { HttpRuntime } from './http/http.runtime';
import type { Row } from './tensors';

/**
 * Runs one model version on a batch of JSON rows through the runtime its serving spec names, within the
 * process-wide concurrency limit and the caller's deadline.
 */
@Injectable()
export class ModelExecutor {
  readonly limiter: ConcurrencyLimiter;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly onnx: OnnxRuntime,
    private readonly http: HttpRuntime,
  ) {
    this.limiter = new ConcurrencyLimiter(config.inference.max_concurrency, config.inference.max_queue);
  }

  predict(version: ModelVersionView, rows: Row[], deadlineMs?: number): Promise<RuntimeAnswer> {
    const runtime = this.runtimeOf(version);
    const timeoutMs = deadlineMs ?? version.serving?.timeout_ms ?? this.config.inference.http_timeout_ms;
    const names = featureNames(version.input_features);
    const run = (prepared: Row[]) =>
      this.limiter.run(() => runtime.predict(version, prepared, { timeoutMs }));
    const work =
      names.length === 0 ? run(rows) : this.mapNamedFeatures(version, runtime, names, rows).then(run);
    // In-process runs cannot be interrupted; a caller with a deadline (an ensemble) stops waiting for them.
    return deadlineMs === undefined ? work : withDeadline(work, deadlineMs, version.id);
  }

  signature(version: ModelVersionView): Promise<ModelSignature | undefined> {
    return this.runtimeOf(version).signature(version);
  }

  warm(version: ModelVersionView): Promise<void> {
    return this.runtimeOf(version).warm(version);
  }

  runtimeOf(version: ModelVersionView): ModelRuntime {
    const runtime = version.serving?.runtime ?? (version.framework === 'onnx' ? 'onnx' : undefined);
    if (runtime === 'onnx') return this.onnx;
    if (runtime === 'http') return this.http;
    throw new DomainError('conflict', 'MODEL_NOT_SERVABLE', `model ${version.id} has no serving runtime`, {
      model_id: version.id,
      hint: 'register the version with serving.runtime "onnx" (and an artifact) or "http" (and a url)',
    });
  }

  /**
   * Rows may name the features one by one (`{"age": 41, "income": 3.2}`) instead of the tensor: when the
   * model has one vector input and the version lists its `input_features`, the vector is built in that order.
   */
  private async mapNamedFeatures(
    version: ModelVersionView,
    runtime: ModelRuntime,
    names: string[],
    rows: Row[],
  ): Promise<Row[]> {
    const signature = await runtime.signature(version);
    const input = signature?.inputs.length === 1 ? signature.inputs[0]! : undefined;
    if (!input || input.shape.length !== 2 || (input.shape[1] !== -1 && input.shape[1] !== names.length))
      return rows;
    return rows.map((row) =>
      input.name in row || !names.every((n) => n in row) ? row : { [input.name]: names.map((n) => row[n]) },
    );
  }
}

const NO_NAMES: string[] = [];

function featureNames(features: unknown[]): string[] {
  if (features.length === 0) return NO_NAMES;
  const names = features.map((f) =>
    typeof f === 'string' ? f : f && typeof f === 'object' ? (f as { name?: unknown }).name : undefined,
  );
  return names.every((n): n is string => typeof n === 'string') ? names : [];
}

function withDeadline<T>(work: Promise<T>, ms: number, modelId: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DomainError(
            'upstream_timeout',
            'MODEL_TIMEOUT',
            `model ${modelId} did not answer within ${ms} ms`,
            {
              model_id: modelId,
              timeout_ms: ms,
            },
          ),
        ),
      ms,
    );
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
