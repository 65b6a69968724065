import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { DomainError, validationFailed, type FieldError } from '../errors/domain-error';

/**
 * Request DTOs are validated strictly: unknown fields are refused, values are converted to their declared
 * types, and every invalid field is named in `details.errors` with its location (`body`, `query`, `path`),
 * in the reference's loc/msg/type shape.
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      exceptionFactory: (errors) => validationFailed(flatten(errors, [])),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'VALIDATION_ERROR') throw error;
      const where = metadata.type === 'param' ? 'path' : metadata.type;
      const errors = (error.details.errors as FieldError[]).map((e) => ({ ...e, loc: [where, ...e.loc] }));
      throw validationFailed(errors);
    }
  }
}

function flatten(errors: ValidationError[], prefix: Array<string | number>): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const loc = [...prefix, error.property];
    for (const [type, msg] of Object.entries(error.constraints ?? {})) {
      out.push({
        loc,
        msg: type === 'whitelistValidation' ? `${error.property} is not a known field` : msg,
        type,
      });
    }
    if (error.children?.length) out.push(...flatten(error.children, loc));
  }
  return out;
}
