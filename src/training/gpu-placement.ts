import { invalid } from '../common/errors/domain-error';
import type { PriceCatalogue } from '../providers/price-catalogue';
import type { TrainingProvider } from '../providers/training-provider.port';
import { describeGpu, offersGpu, type GpuRequest } from './gpu-request';

export interface GpuPlacementRequest {
  instance_type: string | null;
  region: string | null;
  spot: boolean;
  gpu: GpuRequest;
}

/**
 * Where a dispatch with a GPU request runs on one provider: a named instance type must offer the GPUs;
 * without one, the cheapest catalogued type that does (in the region, with a spot price when spot) is
 * chosen. A provider with an empty catalogue is left to choose itself at launch.
 */
export async function placeGpu(
  catalogue: PriceCatalogue,
  provider: TrainingProvider,
  request: GpuPlacementRequest,
): Promise<{ instance_type: string | null; region: string | null }> {
  const { gpu, region, spot } = request;
  const asRequested = { instance_type: request.instance_type, region };
  if (gpu.count <= 0) return asRequested;
  if (!provider.capabilities().gpu) {
    throw invalid('GPU_UNSUPPORTED', `gpu: provider '${provider.name}' offers no GPUs.`, {
      field: 'gpu',
      provider: provider.name,
    });
  }
  if (request.instance_type) {
    const row = await catalogue.find(provider.name, request.instance_type, region);
    if (row && !offersGpu(row, gpu)) {
      throw invalid(
        'GPU_UNSATISFIED',
        `gpu: ${request.instance_type} on ${provider.name} offers ${row.gpu_count} × ${row.gpu_type ?? 'no GPU'}, ${describeGpu(gpu)} requested.`,
        {
          field: 'gpu',
          instance_type: request.instance_type,
          gpu_type: row.gpu_type,
          gpu_count: row.gpu_count,
        },
      );
    }
    return asRequested;
  }
  const rows = await catalogue.list(provider.name);
  if (rows.length === 0) return asRequested;
  const perHour = (r: (typeof rows)[number]) =>
    spot ? (r.spot_per_hour_micros ?? Infinity) : r.on_demand_per_hour_micros;
  const fitting = rows
    .filter((r) => offersGpu(r, gpu) && (!region || r.region === region || r.region === ''))
    .filter((r) => perHour(r) !== Infinity)
    .sort((a, b) => perHour(a) - perHour(b));
  const chosen = fitting[0];
  if (!chosen) {
    const offered = [
      ...new Set(rows.filter((r) => r.gpu_count > 0).map((r) => `${r.gpu_count} × ${r.gpu_type}`)),
    ];
    throw invalid(
      'GPU_UNAVAILABLE',
      `gpu: no ${spot ? 'spot ' : ''}instance type on ${provider.name}${region ? ` in ${region}` : ''} offers ${describeGpu(gpu)} (catalogued: ${offered.join(', ') || 'no GPUs'}).`,
      { field: 'gpu', provider: provider.name, region, spot, offered },
    );
  }
  return {
    instance_type: chosen.instance_type,
    region: region ?? (chosen.region === '' ? null : chosen.region),
  };
}
