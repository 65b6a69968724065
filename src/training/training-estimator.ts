import { Injectable } from '@nestjs/common';
import { PriceCatalogue } from '../providers/price-catalogue';
import { ProviderRegistry } from '../providers/provider-registry';
import { CostPredictor } from './cost-predictor';
import type { EstimateDto, EstimateRequestDto, EstimateResponseDto } from './training.dto';

/** Predicted duration and cost per candidate placement, without dispatching anything. */
@Injectable()
export class TrainingEstimator {
  constructor(
    private readonly providers: ProviderRegistry,
    private readonly catalogue: PriceCatalogue,
    private readonly predictor: CostPredictor,
  ) {}

  async estimate(request: EstimateRequestDto): Promise<EstimateResponseDto> {
    const maxRuntimeSeconds = Math.round((request.max_runtime_hours ?? 24) * 3600);
    const candidates = request.candidates ?? (await this.everyCatalogued());
    const estimates: EstimateDto[] = [];
    for (const candidate of candidates) {
      this.providers.get(candidate.provider);
      const spot = candidate.is_spot ?? false;
      const prediction = await this.predictor.predict({
        service: request.service,
        model: request.model,
        provider: candidate.provider,
        instance_type: candidate.instance_type ?? null,
        region: candidate.region ?? null,
        spot,
        max_runtime_seconds: maxRuntimeSeconds,
      });
      estimates.push({
        provider: candidate.provider,
        instance_type: candidate.instance_type ?? null,
        region: candidate.region ?? null,
        is_spot: spot,
        ...prediction,
      });
    }
    estimates.sort((a, b) => a.cost_p50_micros - b.cost_p50_micros);
    return { service: request.service, model: request.model, estimates, cheapest: estimates[0] ?? null };
  }

  private async everyCatalogued(): Promise<
    Array<{ provider: string; instance_type: string; region: string | null; is_spot: boolean }>
  > {
    const rows = (await this.catalogue.list()).filter((r) => this.providers.find(r.provider));
    return rows.flatMap((r) => {
      const base = {
        provider: r.provider,
        instance_type: r.instance_type,
        region: r.region === '' ? null : r.region,
      };
      return r.spot_per_hour_micros !== null
        ? [
            { ...base, is_spot: false },
            { ...base, is_spot: true },
          ]
        : [{ ...base, is_spot: false }];
    });
  }
}
