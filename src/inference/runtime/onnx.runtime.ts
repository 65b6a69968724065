import { Injectable } from '@nestjs/common';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import type { ModelVersionView } from '../../registry/model-registry.port';
import { DomainError } from '../../common/errors/domain-error';
import type {
  BatchTensor,
  ModelRuntime,
  ModelSignature,
  OipDatatype,
  RuntimeAnswer,
  TensorSpec,
} from './model-runtime.port';
import { rowsToTensors, tensorsToRows, type Row } from './tensors';
import { OnnxSessionCache } from './onnx-session-cache';

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

function toOrtTensor(t: BatchTensor): Tensor {
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

function fromOrtTensor(name: string, tensor: Tensor): BatchTensor {
  const datatype = OIP_BY_ORT[tensor.type] ?? 'FP32';
  const raw = tensor.data as ArrayLike<number | bigint | string>;
  const data = Array.from(raw, (v) => (typeof v === 'bigint' ? Number(v) : v));
  return { name, datatype, shape: [...tensor.dims], data: datatype === 'BOOL' ? data.map(Boolean) : data };
}

/** Executes ONNX artifacts in process with ONNX Runtime; sessions come from the LRU cache. */
@Injectable()
export class OnnxRuntime implements ModelRuntime {
  readonly kind = 'onnx' as const;

  constructor(private readonly cache: OnnxSessionCache) {}

  async signature(version: ModelVersionView): Promise<ModelSignature> {
    const { session } = await this.cache.get(version);
    return { inputs: specsOf(session.inputMetadata), outputs: specsOf(session.outputMetadata) };
  }

  async predict(version: ModelVersionView, rows: Row[]): Promise<RuntimeAnswer> {
    return this.cache.use(version, async (session) => {
      const signature = { inputs: specsOf(session.inputMetadata), outputs: specsOf(session.outputMetadata) };
      // One run for the whole batch when every input has a variable first dimension; else one run per row.
      const chunks = batched(signature) ? [rows] : rows.map((r) => [r]);
      const answers: RuntimeAnswer[] = [];
      for (const chunk of chunks) {
        const tensors = await this.runOnce(session, rowsToTensors(signature.inputs, chunk));
        answers.push({ rows: tensorsToRows(tensors, chunk.length), tensors });
      }
      return answers.length === 1 ? answers[0]! : { rows: answers.flatMap((a) => a.rows) };
    });
  }

  async warm(version: ModelVersionView): Promise<void> {
    await this.cache.refresh(version);
  }

  private async runOnce(session: InferenceSession, inputs: BatchTensor[]): Promise<BatchTensor[]> {
    const feeds = Object.fromEntries(inputs.map((t) => [t.name, toOrtTensor(t)]));
    const results = await session.run(feeds);
    return session.outputNames.map((name) => fromOrtTensor(name, results[name] as Tensor));
  }
}

const batched = (signature: ModelSignature) =>
  signature.inputs.every((i) => i.shape.length > 0 && i.shape[0] === -1);
