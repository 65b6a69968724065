import type { ModelVersionView } from '../../registry/model-registry.port';

/** Tensor element types, named as the Open Inference Protocol names them. */
export type OipDatatype =
  'BOOL' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'UINT8' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

/** A model input or output as declared by the model; `-1` is a dimension of any size (the batch). */
export interface TensorSpec {
  name: string;
  datatype: OipDatatype;
  shape: number[];
}

export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** Flat values of one tensor for the whole batch, with its shape (first dimension = rows). */
export interface BatchTensor {
  name: string;
  datatype: OipDatatype;
  shape: number[];
  data: Array<number | string | boolean>;
}

export interface RunOptions {
  /** Deadline of this call in milliseconds. */
  timeoutMs: number;
}

/** Per-row JSON outputs, plus the batch tensors they came from when the runtime speaks tensors. */
export interface RuntimeAnswer {
  rows: Array<Record<string, unknown>>;
  tensors?: BatchTensor[];
}

/**
 * One way of executing a model version (in-process ONNX, a remote server). Rows are JSON objects keyed by
 * input name; each runtime maps them to its wire (tensors checked against the declared signature, or a
 * plain JSON body) and runs the whole batch in as few calls as the model allows.
 */
export interface ModelRuntime {
  readonly kind: 'onnx' | 'http';
  /** The declared inputs and outputs; undefined when the backend does not declare them (plain JSON). */
  signature(version: ModelVersionView): Promise<ModelSignature | undefined>;
  predict(
    version: ModelVersionView,
    rows: Array<Record<string, unknown>>,
    options: RunOptions,
  ): Promise<RuntimeAnswer>;
  /** Loads what the version needs ahead of traffic (ONNX session); a no-op where nothing is cached. */
  warm(version: ModelVersionView): Promise<void>;
}
