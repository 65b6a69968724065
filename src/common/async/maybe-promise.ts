/*
 * A value that is either ready or still coming. The predict hot path resolves its target from in-memory
 * caches almost always; returning those answers synchronously instead of through `async` functions saves
 * a promise (and its async-hook bookkeeping, on whenever an AsyncLocalStorage is in use) at every step.
 * Only the steps that may really wait (a cache miss, a model run) return a promise.
 */
export type MaybePromise<T> = T | Promise<T>;

/** Applies `next` now when `value` is ready, else once it settles. */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** Calls `work`, turning a synchronous throw into a rejected promise, so callers see one failure channel. */
export function settle<T>(work: () => MaybePromise<T>): Promise<T> {
  try {
    const value = work();
    return value instanceof Promise ? value : Promise.resolve(value);
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
