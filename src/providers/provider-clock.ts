import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SqlDialect } from '../database/sql-dialect';

const RESYNC_MS = 10_000;

/**
 * The database clock, readable without a query per call: the offset between the database and this
 * process is measured at start and every few seconds. Adapters that derive state from elapsed time (the
 * mock) use it, so every replica agrees on "now" whatever its own clock says.
 */
@Injectable()
export class ProviderClock implements OnModuleInit {
  private offsetMs = 0;
  private syncedAt = 0;
  private syncing: Promise<void> | undefined;

  constructor(private readonly dialect: SqlDialect) {}

  async onModuleInit(): Promise<void> {
    await this.sync();
  }

  now(): Date {
    if (Date.now() - this.syncedAt > RESYNC_MS && !this.syncing) {
      this.syncing = this.sync().finally(() => (this.syncing = undefined));
    }
    return new Date(Date.now() + this.offsetMs);
  }

  async sync(): Promise<void> {
    const before = Date.now();
    const db = await this.dialect.clock();
    const after = Date.now();
    this.offsetMs = db.getTime() - Math.round((before + after) / 2);
    this.syncedAt = after;
  }
}
