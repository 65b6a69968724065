/*
 * What other modules (training's outcome writer, the inference gateway, A/B tests, ensembles) need from the
 * model registry. RegistryModule provides MODEL_REGISTRY (useExisting its service) and exports it.
 */
export const MODEL_REGISTRY = Symbol('MODEL_REGISTRY');

export type ModelStage = 'registered' | 'staging' | 'production' | 'archived';

/** How a version is served by the inference gateway. */
export interface ServingSpec {
  runtime: 'onnx' | 'http';
  /** onnx: the artifact file holding the model (default `model.onnx`). */
  artifact?: string;
  /** http: base URL of the model server. */
  url?: string;
  /** http: Open Inference Protocol v2 (`oip`) or a plain JSON POST (`json`). */
  protocol?: 'oip' | 'json';
  /** http/oip: the model's name and version on the remote server. */
  remote_model?: string;
  remote_version?: string;
  timeout_ms?: number;
}

export interface ModelVersionView {
  /** `<name>_v<version>`. */
  id: string;
  name: string;
  version: string;
  service: string;
  model_type: string;
  framework: string;
  description: string;
  tags: Record<string, string>;
  input_features: unknown[];
  output_schema: Record<string, unknown>;
  stage: ModelStage;
  serving: ServingSpec | null;
  metrics: Record<string, number>;
  training_job_id: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface RegisterVersionInput {
  name: string;
  /** Omitted: the next integer version for this name. */
  version?: string;
  model_type: string;
  framework: string;
  description?: string;
  tags?: Record<string, string>;
  input_features?: unknown[];
  output_schema?: Record<string, unknown>;
  /** The inference service this model serves; defaults to the model name. */
  service?: string;
  serving?: ServingSpec;
  metrics?: Record<string, number>;
  training_job_id?: string;
}

export interface ModelRegistry {
  registerVersion(input: RegisterVersionInput, actor: string): Promise<ModelVersionView>;
  /** Stores a file produced elsewhere (a training job's output) as an artifact of the version. */
  attachArtifactFromFile(
    modelId: string,
    relativePath: string,
    localPath: string,
    actor: string,
  ): Promise<void>;
  /** A model id (`name_vX`) or `name@alias`; throws a not_found DomainError otherwise. */
  resolve(ref: string): Promise<ModelVersionView>;
  /** The version in `production` serving `service`, if any. */
  productionVersionForService(service: string): Promise<ModelVersionView | undefined>;
  /** The whole content of one artifact file (model files are small enough to load for serving). */
  readArtifact(modelId: string, path: string): Promise<Buffer>;
}
