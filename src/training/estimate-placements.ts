import { Injectable } from '@nestjs/common';
import { PriceCatalogue } from '../providers/price-catalogue';
import type { ProviderPriceEntity } from '../providers/provider-price.entity';
import { ProviderRegistry } from '../providers/provider-registry';
import { offersGpu, type GpuRequest } from './gpu-request';
import type { EstimateCandidateDto } from './training-estimate.dto';

/** Where a job could run: one provider, instance type, region and market, with its catalogue row. */
export interface Placement {
  provider: string;
  instance_type: string | null;
  region: string | null;
  spot: boolean;
  /** Null when the catalogue has no price for it. */
  row: ProviderPriceEntity | null;
  /** Named by the caller (explicit candidates) rather than found in the catalogue. */
  named: boolean;
}

/** The placements an estimate prices: the catalogue of every provider in scope, or the caller's list. */
@Injectable()
export class EstimatePlacements {
  constructor(
    private readonly registry: ProviderRegistry,
    private readonly catalogue: PriceCatalogue,
  ) {}

  /** Every catalogued instance type offering the GPUs, on-demand and (where priced) spot. */
  async fromCatalogue(providers: string[], gpu: GpuRequest, regions: string[] | null): Promise<Placement[]> {
    const placements: Placement[] = [];
    for (const provider of providers) {
      const rows = (await this.rowsOf(provider)).filter((r) => offersGpu(r, gpu));
      for (const row of rows) {
        for (const region of this.regionsOf(provider, row, regions)) {
          const base = { provider, instance_type: row.instance_type, region, row, named: false };
          placements.push({ ...base, spot: false });
          if (row.spot_per_hour_micros !== null) placements.push({ ...base, spot: true });
        }
      }
    }
    return placements;
  }

  /** The caller's placements; one without an instance type stands for each the provider catalogues. */
  async fromCandidates(candidates: EstimateCandidateDto[], providers: string[]): Promise<Placement[]> {
    const placements: Placement[] = [];
    for (const c of candidates) {
      this.registry.get(c.provider);
      if (!providers.includes(c.provider)) continue;
      const spot = c.is_spot ?? false;
      const base = { provider: c.provider, spot, named: true };
      if (c.instance_type) {
        const row = await this.catalogue.find(c.provider, c.instance_type, c.region ?? null);
        const region = c.region ?? (row && row.region !== '' ? row.region : null);
        placements.push({ ...base, instance_type: c.instance_type, region, row });
        continue;
      }
      const rows = (await this.rowsOf(c.provider)).filter(
        (r) => !c.region || r.region === c.region || r.region === '',
      );
      if (rows.length === 0)
        placements.push({ ...base, instance_type: null, region: c.region ?? null, row: null });
      for (const row of rows) {
        const region = c.region ?? (row.region === '' ? null : row.region);
        placements.push({ ...base, instance_type: row.instance_type, region, row });
      }
    }
    return placements;
  }

  /** A provider's catalogue, read from it first when empty (never refreshed, or just enabled). */
  private async rowsOf(provider: string): Promise<ProviderPriceEntity[]> {
    const rows = await this.catalogue.list(provider);
    if (rows.length > 0) return rows;
    await this.catalogue.refresh(provider);
    return this.catalogue.list(provider);
  }

  /**
   * A regional price stands for its region. A price without one holds wherever the provider runs, so
   * with a region list it stands for each listed region the provider serves; with none it stays unplaced.
   */
  private regionsOf(
    provider: string,
    row: ProviderPriceEntity,
    regions: string[] | null,
  ): Array<string | null> {
    if (row.region !== '') return [row.region];
    if (!regions) return [null];
    const served = new Set(this.registry.get(provider).capabilities().regions);
    const placed = regions.filter((r) => served.has(r));
    return placed.length > 0 ? placed : [null];
  }
}
