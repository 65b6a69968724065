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
    this.rate(from, to); // refuses an uncovered pair
    return Math.round((amountMicros / (this.perBase(from) ?? 1)) * (this.perBase(to) ?? 1));
  }

  /** Whether the table can convert between the two currencies (always for a currency to itself). */
  converts(from: string, to: string): boolean {
    return from === to || (this.perBase(from) !== undefined && this.perBase(to) !== undefined);
  }

  /** Whether the configured table has a rate for the currency (or it is the table's base). */
  covers(currency: string): boolean {
    return this.perBase(currency) !== undefined;
  }

  /** Units of `to` for one unit of `from`, or NO_EXCHANGE_RATE (400) when the table lacks either. */
  rate(from: string, to: string): number {
    if (from === to) return 1;
    const fromRate = this.perBase(from);
    const toRate = this.perBase(to);
    if (fromRate === undefined || toRate === undefined) {
      throw new DomainError(
        'invalid',
        'NO_EXCHANGE_RATE',
        `No exchange rate from ${from} to ${to}: set ARTENIC_FX__RATES (e.g. {"base":"EUR","date":"…","rates":{"USD":1.08}}).`,
        { from, to },
      );
    }
    return toRate / fromRate;
  }

  /** Units of `currency` per unit of the table's base. */
  private perBase(currency: string): number | undefined {
    const table = this.config.fx.rates;
    if (!table) return undefined;
    return currency === table.base ? 1 : table.rates[currency];
  }
}
