import { Injectable } from '@nestjs/common';
import type { Tensor } from 'onnxruntime-node';
import type { ModelVersionView } from '../../registry/model-registry.port';
import type { ModelRuntime, ModelSignature, RuntimeAnswer } from './model-runtime.port';
import { rowsToTensors, tensorsToRows, type Row } from './tensors';
import { OnnxSessionCache, type CachedSession } from './onnx-session-cache';
import { fromOrtTensor, toOrtTensor } from './onnx-tensors';

/** Executes ONNX artifacts in process with ONNX Runtime; sessions come from the LRU cache. */
@Injectable()
export class OnnxRuntime implements ModelRuntime {
  readonly kind = 'onnx' as const;

  constructor(private readonly cache: OnnxSessionCache) {}

  async signature(version: ModelVersionView): Promise<ModelSignature> {
    return (await this.cache.get(version)).signature;
  }

  predict(version: ModelVersionView, rows: Row[]): Promise<RuntimeAnswer> {
    return this.cache.use(version, (entry) =>
      // One run for the whole batch when every input has a variable first dimension; else one run per row.
      entry.batchable ? this.runRows(entry, rows) : this.runRowByRow(entry, rows),
    );
  }

  async warm(version: ModelVersionView): Promise<void> {
    await this.cache.refresh(version);
  }

  /** One run for the rows; outputs mapped back in the run's own callback. */
  private runRows(entry: CachedSession, rows: Row[]): Promise<RuntimeAnswer> {
    const session = entry.session;
    const feeds: Record<string, Tensor> = {};
    for (const t of rowsToTensors(entry.signature.inputs, rows)) feeds[t.name] = toOrtTensor(t);
    return session.run(feeds).then((results) => {
      const tensors = session.outputNames.map((name) => fromOrtTensor(name, results[name] as Tensor));
      return { rows: tensorsToRows(tensors, rows.length), tensors };
    });
  }

  private async runRowByRow(entry: CachedSession, rows: Row[]): Promise<RuntimeAnswer> {
    const answers: RuntimeAnswer[] = [];
    for (const row of rows) answers.push(await this.runRows(entry, [row]));
    return answers.length === 1 ? answers[0]! : { rows: answers.flatMap((a) => a.rows) };
  }
}
