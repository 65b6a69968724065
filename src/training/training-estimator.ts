import { Injectable } from '@nestjs/common';
import { invalid } from '../common/errors/domain-error';
import { ExchangeRates } from '../providers/exchange-rates';
import { PriceCatalogue } from '../providers/price-catalogue';
import { ProviderRegistry } from '../providers/provider-registry';
import { CostPredictor, costOf, type DurationPrediction } from './cost-predictor';
import { EstimatePlacements, type Placement } from './estimate-placements';
import { describeGpu, NO_GPU, offersGpu, type GpuRequest } from './gpu-request';
import type {
  EstimateConstraintsDto,
  EstimateDto,
  EstimateProviderDto,
  EstimateRequestDto,
  EstimateResponseDto,
} from './training-estimate.dto';

/** The request's constraints, with the price limit converted into the response currency. */
interface Constraints {
  currency: string;
  gpu: GpuRequest;
  regions: string[] | null;
  spotAllowed: boolean;
  maxPerHourMicros: number | null;
  providers: string[];
}

const money = (micros: number, currency: string) => `${(micros / 1_000_000).toFixed(4)} ${currency}/h`;

/**
 * Predicted duration and cost of every candidate placement, without dispatching anything: each priced
 * in its provider's own currency and converted into the request's through the dated rate table, and the
 * cheapest one satisfying the constraints (GPUs, regions, spot, max hourly price) named.
 */
@Injectable()
export class TrainingEstimator {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly catalogue: PriceCatalogue,
    private readonly predictor: CostPredictor,
    private readonly fx: ExchangeRates,
    private readonly placements: EstimatePlacements,
  ) {}

  async estimate(request: EstimateRequestDto): Promise<EstimateResponseDto> {
    const c = this.constraintsOf(request);
    const placements = request.candidates
      ? await this.placements.fromCandidates(request.candidates, c.providers)
      : await this.placements.fromCatalogue(c.providers, c.gpu, c.regions);
    const maxRuntimeSeconds = Math.round((request.max_runtime_hours ?? 24) * 3600);
    const durations = new Map<string, Promise<DurationPrediction>>();
    const duration = (instanceType: string | null) => {
      const key = instanceType ?? '';
      if (!durations.has(key)) {
        durations.set(
          key,
          this.predictor.predictDuration({
            service: request.service,
            model: request.model,
            instance_type: instanceType,
            max_runtime_seconds: maxRuntimeSeconds,
          }),
        );
      }
      return durations.get(key) as Promise<DurationPrediction>;
    };
    const estimates: EstimateDto[] = [];
    for (const p of placements) estimates.push(this.price(p, await duration(p.instance_type), c));
    estimates.sort(byConvertedCost);
    return {
      service: request.service,
      model: request.model,
      currency: c.currency,
      rates_date: this.fx.date,
      constraints: toConstraintsDto(c),
      providers: summarise(c, estimates),
      estimates,
      cheapest: estimates.find((e) => e.eligible) ?? null,
    };
  }

  private constraintsOf(request: EstimateRequestDto): Constraints {
    const currency = request.currency ?? this.catalogue.defaultCurrency();
    // With a rate table, a currency it does not cover is a typo or a gap, not a result of all-unconvertible.
    if (this.fx.date !== null && !this.fx.covers(currency)) {
      throw invalid('NO_EXCHANGE_RATE', `currency: ARTENIC_FX__RATES has no rate for ${currency}.`, {
        field: 'currency',
        currency,
      });
    }
    for (const name of request.providers ?? []) this.registry.get(name);
    const limit = request.max_price_per_hour;
    return {
      currency,
      gpu: request.gpu ? { type: request.gpu.type ?? null, count: request.gpu.count } : NO_GPU,
      regions: request.regions && request.regions.length > 0 ? request.regions : null,
      spotAllowed: request.spot_allowed ?? true,
      maxPerHourMicros: limit
        ? this.convertLimit(Math.round(limit.amount * 1_000_000), limit.currency, currency)
        : null,
      providers: this.registry.names().filter((n) => !request.providers || request.providers.includes(n)),
    };
  }

  private convertLimit(micros: number, from: string, to: string): number {
    if (!this.fx.converts(from, to)) {
      throw invalid(
        'NO_EXCHANGE_RATE',
        `max_price_per_hour.currency: no exchange rate from ${from} to ${to} in ARTENIC_FX__RATES.`,
        { field: 'max_price_per_hour.currency', from, to },
      );
    }
    return this.fx.convertMicros(micros, from, to);
  }

  private price(p: Placement, d: DurationPrediction, c: Constraints): EstimateDto {
    const row = p.row;
    const perHour = !row
      ? 0
      : p.spot && row.spot_per_hour_micros !== null
        ? row.spot_per_hour_micros
        : row.on_demand_per_hour_micros;
    const currency = row?.currency ?? c.currency;
    const converted =
      row && this.fx.converts(currency, c.currency) ? this.convert(perHour, currency, d, c) : null;
    return {
      provider: p.provider,
      instance_type: p.instance_type,
      region: p.region,
      is_spot: p.spot,
      gpu_type: row?.gpu_type ?? null,
      gpu_count: row?.gpu_count ?? 0,
      ...d,
      price_per_hour_micros: perHour,
      currency,
      price_known: row !== null,
      price_stale: row?.stale ?? false,
      cost_p50_micros: costOf(perHour, d.duration_p50_seconds),
      cost_p90_micros: costOf(perHour, d.duration_p90_seconds),
      price: row
        ? {
            per_hour_micros: perHour,
            currency,
            fetched_at: new Date(row.fetched_at).toISOString(),
            stale: row.stale,
            source: row.source,
          }
        : null,
      converted,
      ...this.eligibility(p, currency, converted?.price_per_hour_micros ?? null, c),
    };
  }

  private convert(perHour: number, from: string, d: DurationPrediction, c: Constraints) {
    const convertedPerHour = this.fx.convertMicros(perHour, from, c.currency);
    return {
      currency: c.currency,
      rate: this.fx.rate(from, c.currency),
      rates_date: from === c.currency ? null : this.fx.date,
      price_per_hour_micros: convertedPerHour,
      cost_p50_micros: costOf(convertedPerHour, d.duration_p50_seconds),
      cost_p90_micros: costOf(convertedPerHour, d.duration_p90_seconds),
    };
  }

  /** Every reason the placement cannot be chosen; eligible when there is none. */
  private eligibility(
    p: Placement,
    currency: string,
    convertedPerHour: number | null,
    c: Constraints,
  ): { eligible: boolean; excluded_reasons: string[] } {
    const reasons: string[] = [];
    if (!p.row)
      reasons.push(`no catalogue price for ${p.instance_type ?? 'any instance type'} on ${p.provider}`);
    if (p.row && p.named && !offersGpu(p.row, c.gpu)) {
      reasons.push(
        `offers ${p.row.gpu_count} × ${p.row.gpu_type ?? 'no GPU'}, ${describeGpu(c.gpu)} requested`,
      );
    }
    if (c.regions && p.region === null) reasons.push(`no region among ${c.regions.join(', ')}`);
    if (c.regions && p.region !== null && !c.regions.includes(p.region)) {
      reasons.push(`region ${p.region} is not among ${c.regions.join(', ')}`);
    }
    if (p.spot && !c.spotAllowed) reasons.push('spot capacity is not allowed');
    if (p.row && convertedPerHour === null) {
      reasons.push(`no exchange rate from ${currency} to ${c.currency} in ARTENIC_FX__RATES`);
    }
    if (convertedPerHour !== null && c.maxPerHourMicros !== null && convertedPerHour > c.maxPerHourMicros) {
      reasons.push(
        `${money(convertedPerHour, c.currency)} is above the maximum ${money(c.maxPerHourMicros, c.currency)}`,
      );
    }
    return { eligible: reasons.length === 0, excluded_reasons: reasons };
  }
}

/** Eligible before not; then by converted p50 cost (unconvertible last); ties in a stable order. */
function byConvertedCost(a: EstimateDto, b: EstimateDto): number {
  const rank = (e: EstimateDto) => (e.eligible ? 0 : e.converted ? 1 : 2);
  const cost = (e: EstimateDto) => e.converted?.cost_p50_micros ?? e.cost_p50_micros;
  return (
    rank(a) - rank(b) ||
    cost(a) - cost(b) ||
    (a.converted?.price_per_hour_micros ?? 0) - (b.converted?.price_per_hour_micros ?? 0) ||
    `${a.provider}/${a.instance_type}/${a.region}`.localeCompare(
      `${b.provider}/${b.instance_type}/${b.region}`,
    ) ||
    Number(a.is_spot) - Number(b.is_spot)
  );
}

function summarise(c: Constraints, estimates: EstimateDto[]): EstimateProviderDto[] {
  return c.providers.map((provider) => {
    const own = estimates.filter((e) => e.provider === provider);
    const note =
      own.length > 0
        ? null
        : c.gpu.count > 0
          ? `no catalogued instance type offers ${describeGpu(c.gpu)}`
          : 'no prices in the catalogue';
    return { provider, candidates: own.length, eligible: own.filter((e) => e.eligible).length, note };
  });
}

const toConstraintsDto = (c: Constraints): EstimateConstraintsDto => ({
  gpu: c.gpu,
  regions: c.regions,
  spot_allowed: c.spotAllowed,
  max_price_per_hour_micros: c.maxPerHourMicros,
  providers: c.providers,
});
