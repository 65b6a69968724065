import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../errors/domain-error';
import { rawRequest } from '../http/request-id';
import { ApiKeyAuth, type Principal } from './api-key-auth';
import { IS_PUBLIC } from './public.decorator';

export const PRINCIPAL = Symbol('artenic:principal');

export function principalOf(request: unknown): Principal | undefined {
  return (rawRequest(request) as unknown as Record<symbol, Principal | undefined>)[PRINCIPAL];
}

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly auth: ApiKeyAuth,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) {
      return true;
    }
    const raw = rawRequest(context.switchToHttp().getRequest());
    const principal = this.auth.verify(ApiKeyAuth.bearer(raw.headers.authorization));
    if (!principal) {
      throw new DomainError(
        'unauthenticated',
        'AUTHENTICATION_FAILED',
        'Invalid or missing API key.',
        {},
        { 'WWW-Authenticate': 'Bearer realm="artenic"' },
      );
    }
    (raw as unknown as Record<symbol, Principal>)[PRINCIPAL] = principal;
    return true;
  }
}
