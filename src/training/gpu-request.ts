/** GPUs a job asks for: `count` of `type` (any model when type is null); count 0 = no GPU. */
export interface GpuRequest {
  type: string | null;
  count: number;
}

export const NO_GPU: GpuRequest = { type: null, count: 0 };

/** What a catalogue row says an instance type carries. */
export interface GpuOffer {
  gpu_type: string | null;
  gpu_count: number;
}

/** `NVIDIA A100-80GB` → [a100, 80gb]: vendors spell the same GPU with spaces, dashes or underscores. */
const tokens = (name: string): string[] =>
  name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== '' && t !== 'nvidia');

/**
 * Whether an instance type satisfies the request: enough GPUs, and every word of the requested type in
 * its GPU name (`A100` matches `A100 80GB` and `A100_SXM4` but not `A10`; `RTX A6000` matches `RTX A6000`).
 */
export function offersGpu(offer: GpuOffer, gpu: GpuRequest): boolean {
  if (gpu.count <= 0) return true;
  if (offer.gpu_count < gpu.count) return false;
  if (gpu.type === null) return true;
  const have = new Set(tokens(offer.gpu_type ?? ''));
  const want = tokens(gpu.type);
  return want.length > 0 && want.every((t) => have.has(t));
}

/** `1 × A100`, `2 GPUs` — for messages. */
export const describeGpu = (gpu: GpuRequest): string =>
  gpu.type ? `${gpu.count} × ${gpu.type}` : `${gpu.count} GPU${gpu.count === 1 ? '' : 's'}`;
