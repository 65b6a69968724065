/**
 * Thrown by `provision` when the provider has no free capacity right now (local concurrency limit, no
 * spot capacity in the region). The training poller keeps the job queued and retries later instead of
 * failing it.
 */
export class ProviderCapacityError extends Error {
  constructor(
    message: string,
    /** Seconds after which trying again makes sense. */
    readonly retryAfterSeconds = 5,
  ) {
    super(message);
    this.name = 'ProviderCapacityError';
  }
}
