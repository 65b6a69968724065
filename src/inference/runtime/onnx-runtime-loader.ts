import type * as Ort from 'onnxruntime-node';

let ort: typeof Ort | undefined;

/**
 * ONNX Runtime, loaded on first use: its native library adds ~15 MB to a platform that serves no ONNX
 * model. The first session load (warm-up or first predict) pays it once.
 */
export function onnxRuntime(): typeof Ort {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ort ??= require('onnxruntime-node') as typeof Ort;
  return ort;
}
