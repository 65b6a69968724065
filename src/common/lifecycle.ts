import { Injectable } from '@nestjs/common';

/** Process-wide lifecycle state: once draining, readiness answers 503 so load balancers stop routing. */
@Injectable()
export class Lifecycle {
  readonly startedAt = Date.now();
  private drainingSince: number | undefined;

  beginDraining(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }
}
