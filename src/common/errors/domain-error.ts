/**
 * What went wrong, in domain terms. The HTTP layer maps each kind to one status (error-status.ts); a kind
 * without a mapping does not compile. Services throw DomainError and never import HTTP classes.
 */
export type ErrorKind =
  | 'invalid' // the request is malformed or names something invalid
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict' // state conflict, duplicate, invalid transition
  | 'payment_required' // refused by a budget
  | 'too_large'
  | 'unsupported_media'
  | 'rate_limited'
  | 'unavailable' // a dependency of ours is down or not ready
  | 'upstream_failed' // a remote system answered with an error
  | 'upstream_timeout'
  | 'internal';

export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** Extra response headers (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('not_found', code, message, details);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('conflict', code, message, details);
export const invalid = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('invalid', code, message, details);
export const unavailable = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('unavailable', code, message, details);

/** One invalid field in the reference's shape (`loc`, `msg`, `type`). */
export interface FieldError {
  loc: Array<string | number>;
  msg: string;
  type: string;
}

export const validationFailed = (errors: FieldError[]) =>
  new DomainError(
    'invalid',
    'VALIDATION_ERROR',
    `Request validation failed: ${errors.map((e) => `${e.loc.slice(1).join('.') || e.loc.join('.')}: ${e.msg}`).join('; ')}`,
    { errors },
  );
