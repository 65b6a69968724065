import { DomainError } from '../../common/errors/domain-error';

/**
 * A counting semaphore with a bounded queue: at most `limit` model executions run at once, up to `maxQueue`
 * wait in FIFO order, and beyond that a request is refused at once (503) instead of piling up latency.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly maxQueue: number,
  ) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) {
      this.active += 1;
      return this.runHolding(work);
    }
    return this.acquire().then(() => this.runHolding(work));
  }

  stats(): { active: number; queued: number; limit: number } {
    return { active: this.active, queued: this.waiting.length, limit: this.limit };
  }

  /** Runs `work` in a slot already taken, and gives the slot back however it ends. */
  private runHolding<T>(work: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      running = work();
    } catch (error) {
      this.releaseSlot();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return running.then(
      (value) => {
        this.releaseSlot();
        return value;
      },
      (error: unknown) => {
        this.releaseSlot();
        throw error;
      },
    );
  }

  /** Waits for a slot (handed over by releaseSlot, so `active` already counts it) or refuses at once. */
  private acquire(): Promise<void> {
    if (this.waiting.length >= this.maxQueue) {
      return Promise.reject(
        new DomainError(
          'unavailable',
          'INFERENCE_OVERLOADED',
          'too many predictions in flight; retry shortly',
          {
            active: this.active,
            queued: this.waiting.length,
          },
          { 'Retry-After': '1' },
        ),
      );
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}
