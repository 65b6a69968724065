import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ANONYMOUS } from './api-key-auth';
import { principalOf } from './api-key.guard';

/** The acting principal's id (the API key's name), for ledgers and audit logs. */
export const Actor = createParamDecorator(
  (_: unknown, context: ExecutionContext): string =>
    (principalOf(context.switchToHttp().getRequest()) ?? ANONYMOUS).id,
);
