import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/app-config.schema';
import { DomainError } from '../common/errors/domain-error';

/**
 * Currency conversion from the configured table (`ARTENIC_FX__RATES`, dated): no rate is a constant in
 * code. Converting between currencies the table does not cover is refused rather than guessed.
 */
@Injectable()
export class ExchangeRates {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The table's date, or null when no table is configured. */
  get date(): string | null {
    return this.config.fx.rates?.date ?? null;
  }

  convertMicros(amountMicros: number, from: string, to: string): number {
    if (from === to) return amountMicros;
    const table = this.config.fx.rates;
    const rate = (currency: string): number | undefined =>
      currency === table?.base ? 1 : table?.rates[currency];
    const fromRate = rate(from);
    const toRate = rate(to);
    if (!table || fromRate === undefined || toRate === undefined) {
      throw new DomainError(
        'invalid',
        'NO_EXCHANGE_RATE',
        `No exchange rate from ${from} to ${to}: set ARTENIC_FX__RATES (e.g. {"base":"EUR","date":"…","rates":{"USD":1.08}}).`,
        { from, to },
      );
    }
    return Math.round((amountMicros / fromRate) * toRate);
  }
}
