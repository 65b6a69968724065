import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../../../config/config.module';
import type { AppConfig } from '../../../config/app-config.schema';
import { DomainError } from '../../../common/errors/domain-error';
import type { ModelVersionView, ServingSpec } from '../../../registry/model-registry.port';
import type {
  BatchTensor,
  ModelRuntime,
  ModelSignature,
  RunOptions,
  RuntimeAnswer,
  TensorSpec,
} from '../model-runtime.port';
import { rowsToTensors, tensorsToRows, type Row } from '../tensors';
import { BackendBreakers } from './backend-breakers';
import { remoteCall } from './remote-call';

interface OipMetadata {
  inputs?: TensorSpec[];
  outputs?: TensorSpec[];
}

interface OipInferResponse {
  outputs?: BatchTensor[];
}

/**
 * Remote model servers. `oip`: Open Inference Protocol v2 REST (KServe, Triton, MLServer): the model's
 * metadata gives the input names, types and shapes, and the batch goes out as one `infer` call. `json`: a
 * plain POST of `{"instances": [row, …]}` to the URL, answered by `{"predictions": [value, …]}` (the
 * TensorFlow-Serving / KServe v1 convention); a prediction that is not an object becomes `{prediction}`.
 */
@Injectable()
export class HttpRuntime implements ModelRuntime {
  readonly kind = 'http' as const;
  private readonly metadata = new Map<string, Promise<ModelSignature>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly breakers: BackendBreakers,
  ) {}

  async signature(version: ModelVersionView): Promise<ModelSignature | undefined> {
    const spec = specOf(version);
    if (spec.protocol === 'json') return undefined;
    let pending = this.metadata.get(version.id);
    if (!pending) {
      pending = this.fetchMetadata(version, spec);
      this.metadata.set(version.id, pending);
      // A failed fetch is not cached: the next call asks again.
      pending.catch(() => this.metadata.delete(version.id));
    }
    return pending;
  }

  async predict(version: ModelVersionView, rows: Row[], options: RunOptions): Promise<RuntimeAnswer> {
    const spec = specOf(version);
    const timeoutMs = options.timeoutMs;
    if (spec.protocol === 'json') return this.predictJson(spec, rows, timeoutMs);
    const signature = (await this.signature(version))!;
    const inputs = rowsToTensors(signature.inputs, rows);
    const answer = await this.call<OipInferResponse>(spec, 'POST', `${modelPath(spec)}/infer`, timeoutMs, {
      inputs,
    });
    const outputs = answer.outputs;
    if (!Array.isArray(outputs)) throw malformed(spec, 'the infer response has no outputs');
    return { rows: tensorsToRows(outputs, rows.length), tensors: outputs };
  }

  async warm(version: ModelVersionView): Promise<void> {
    await this.signature(version);
  }

  private async predictJson(spec: ServingSpec, rows: Row[], timeoutMs: number): Promise<RuntimeAnswer> {
    const answer = await this.call<{ predictions?: unknown[] }>(spec, 'POST', '', timeoutMs, {
      instances: rows,
    });
    const predictions = answer.predictions;
    if (!Array.isArray(predictions) || predictions.length !== rows.length) {
      throw malformed(spec, `expected ${rows.length} predictions`);
    }
    return {
      rows: predictions.map((p) =>
        p && typeof p === 'object' && !Array.isArray(p) ? (p as Row) : { prediction: p },
      ),
    };
  }

  private async fetchMetadata(version: ModelVersionView, spec: ServingSpec): Promise<ModelSignature> {
    const meta = await this.call<OipMetadata>(
      spec,
      'GET',
      modelPath(spec),
      this.config.inference.http_timeout_ms,
    );
    if (!Array.isArray(meta.inputs) || meta.inputs.length === 0) {
      throw malformed(spec, `the metadata of ${version.id} declares no inputs`);
    }
    return { inputs: meta.inputs, outputs: meta.outputs ?? [] };
  }

  private call<T>(
    spec: ServingSpec,
    method: 'GET' | 'POST',
    path: string,
    timeoutMs: number,
    body?: unknown,
  ) {
    const c = this.config.inference;
    const url = `${spec.url!.replace(/\/+$/, '')}${path}`;
    return this.breakers.call(backendKey(spec), () =>
      remoteCall<T>({
        method,
        url,
        body,
        timeoutMs,
        retries: c.http_retries,
        backoffMs: c.http_retry_backoff_ms,
      }),
    );
  }
}

function specOf(version: ModelVersionView): ServingSpec {
  const spec = version.serving;
  if (!spec?.url) {
    throw new DomainError('conflict', 'MODEL_NOT_SERVABLE', `model ${version.id} has no remote URL to call`, {
      model_id: version.id,
    });
  }
  return { protocol: 'oip', remote_model: version.name, ...spec };
}

const modelPath = (spec: ServingSpec) =>
  `/v2/models/${encodeURIComponent(spec.remote_model!)}${
    spec.remote_version ? `/versions/${encodeURIComponent(spec.remote_version)}` : ''
  }`;

const backendKey = (spec: ServingSpec) =>
  spec.protocol === 'json' ? spec.url! : `${spec.url!.replace(/\/+$/, '')}${modelPath(spec)}`;

const malformed = (spec: ServingSpec, why: string) =>
  new DomainError(
    'upstream_failed',
    'MODEL_BACKEND_FAILED',
    `model backend at ${spec.url} answered unexpectedly: ${why}`,
    {
      url: spec.url,
    },
  );
