import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { onnxRuntime } from './onnx-runtime-loader';
import { DomainError } from '../../common/errors/domain-error';
import type { BatchTensor, ModelSignature, OipDatatype, TensorSpec } from './model-runtime.port';

/* ONNX Runtime tensors ↔ the gateway's batch tensors, and a session's declared signature. */

const OIP_BY_ORT: Record<string, OipDatatype> = {
  float32: 'FP32',
  float64: 'FP64',
  float16: 'FP16',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  bool: 'BOOL',
  string: 'BYTES',
};

function specsOf(metadata: readonly InferenceSession.ValueMetadata[]): TensorSpec[] {
  return metadata.map((m) => {
    if (!m.isTensor) return { name: m.name, datatype: 'BYTES', shape: [] };
    const datatype = OIP_BY_ORT[m.type];
    if (!datatype) {
      throw new DomainError(
        'conflict',
        'MODEL_UNSUPPORTED',
        `tensor '${m.name}' has unsupported type ${m.type}`,
      );
    }
    return { name: m.name, datatype, shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)) };
  });
}

/** The session's declared inputs and outputs (read once per loaded session, not per call). */
export function signatureOf(session: InferenceSession): ModelSignature {
  return { inputs: specsOf(session.inputMetadata), outputs: specsOf(session.outputMetadata) };
}

/** True when every input has a variable first dimension, so a whole batch runs in one call. */
export const batchable = (signature: ModelSignature) =>
  signature.inputs.every((i) => i.shape.length > 0 && i.shape[0] === -1);

export function toOrtTensor(t: BatchTensor): Tensor {
  const { Tensor } = onnxRuntime();
  const d = t.data;
  switch (t.datatype) {
    case 'FP32':
      return new Tensor('float32', Float32Array.from(d as number[]), t.shape);
    case 'FP64':
      return new Tensor('float64', Float64Array.from(d as number[]), t.shape);
    case 'INT32':
      return new Tensor('int32', Int32Array.from(d as number[]), t.shape);
    case 'INT64':
      return new Tensor('int64', BigInt64Array.from((d as number[]).map((v) => BigInt(v))), t.shape);
    case 'INT8':
      return new Tensor('int8', Int8Array.from(d as number[]), t.shape);
    case 'INT16':
      return new Tensor('int16', Int16Array.from(d as number[]), t.shape);
    case 'UINT8':
      return new Tensor('uint8', Uint8Array.from(d as number[]), t.shape);
    case 'BOOL':
      return new Tensor('bool', Uint8Array.from((d as boolean[]).map((v) => (v ? 1 : 0))), t.shape);
    case 'BYTES':
      return new Tensor('string', d as string[], t.shape);
    default:
      throw new DomainError(
        'conflict',
        'MODEL_UNSUPPORTED',
        `input '${t.name}' of type ${t.datatype} is unsupported`,
      );
  }
}

export function fromOrtTensor(name: string, tensor: Tensor): BatchTensor {
  const datatype = OIP_BY_ORT[tensor.type] ?? 'FP32';
  const raw = tensor.data as ArrayLike<number | bigint | string>;
  let data: Array<number | string | boolean>;
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) data = Array.from(raw, Number);
  else if (datatype === 'BOOL') data = Array.from(raw as ArrayLike<number>, Boolean);
  else data = Array.from(raw as ArrayLike<number | string>);
  return { name, datatype, shape: Array.from(tensor.dims), data };
}
