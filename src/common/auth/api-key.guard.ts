import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
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
    const principal = this.auth.authenticate(raw.headers.authorization);
    (raw as unknown as Record<symbol, Principal>)[PRINCIPAL] = principal;
    return true;
  }
}
