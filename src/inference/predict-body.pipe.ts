import { Injectable, type PipeTransform } from '@nestjs/common';
import { validationFailed, type FieldError } from '../common/errors/domain-error';
import type { Row } from './runtime/tensors';

/*
 * The predict bodies are validated by hand instead of by class-transformer + class-validator: those build a
 * DTO instance and walk its metadata on every call, which cost more than the model run on a small model.
 * The checks and the 400s are the same as the strict ValidationPipe's (unknown fields refused, each invalid
 * field named in `details.errors` with its `loc`); the inputs inside `data` are then checked against the
 * model's declared signature by the runtime, which names the input.
 */

export interface PredictBody {
  data: Row;
  model_id?: string | null;
  subject?: string | null;
}

export interface PredictBatchBody {
  batch: Row[];
  model_id?: string | null;
  subject?: string | null;
}

const MAX_ID_LENGTH = 255;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fieldError(field: string, msg: string, type: string): FieldError {
  return { loc: ['body', field], msg, type };
}

/** The fields both bodies share: `model_id` and `subject`, optional bounded strings; nothing else. */
function checkCommon(body: Record<string, unknown>, main: string, errors: FieldError[]): void {
  for (const key of Object.keys(body)) {
    if (key !== main && key !== 'model_id' && key !== 'subject') {
      errors.push(fieldError(key, `${key} is not a known field`, 'whitelistValidation'));
    }
  }
  for (const key of ['model_id', 'subject']) {
    const value = body[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') errors.push(fieldError(key, `${key} must be a string`, 'isString'));
    else if (value.length > MAX_ID_LENGTH) {
      errors.push(
        fieldError(key, `${key} must be shorter than or equal to ${MAX_ID_LENGTH} characters`, 'maxLength'),
      );
    }
  }
}

function bodyObject(value: unknown): Record<string, unknown> {
  if (isObject(value)) return value;
  throw validationFailed([{ loc: ['body'], msg: 'the body must be a JSON object', type: 'isObject' }]);
}

/** `POST /services/{service}/predict`: `{data: {...}, model_id?, subject?}`. */
@Injectable()
export class PredictBodyPipe implements PipeTransform<unknown, PredictBody> {
  transform(value: unknown): PredictBody {
    const body = bodyObject(value);
    const errors: FieldError[] = [];
    if (!isObject(body.data)) errors.push(fieldError('data', 'data must be an object', 'isObject'));
    checkCommon(body, 'data', errors);
    if (errors.length > 0) throw validationFailed(errors);
    return body as unknown as PredictBody;
  }
}

/** `POST /services/{service}/predict_batch`: `{batch: [{...}, ...], model_id?, subject?}`. */
@Injectable()
export class PredictBatchBodyPipe implements PipeTransform<unknown, PredictBatchBody> {
  transform(value: unknown): PredictBatchBody {
    const body = bodyObject(value);
    const errors: FieldError[] = [];
    if (!Array.isArray(body.batch)) errors.push(fieldError('batch', 'batch must be an array', 'isArray'));
    else if (!body.batch.every(isObject)) {
      errors.push(fieldError('batch', 'each value in batch must be an object', 'isObject'));
    }
    checkCommon(body, 'batch', errors);
    if (errors.length > 0) throw validationFailed(errors);
    return body as unknown as PredictBatchBody;
  }
}
