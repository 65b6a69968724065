import { Readable } from 'node:stream';
import { DomainError } from '../../common/errors/domain-error';

/**
 * The request body as a stream, on either adapter: on Fastify the octet-stream parser hands the payload
 * stream over as the body; on Express (no raw body parser) the request itself is the stream.
 */
export function requestBodyStream(request: unknown): Readable {
  const body = (request as { body?: unknown }).body;
  if (body instanceof Readable) return body;
  if (request instanceof Readable && body === undefined) return request;
  throw new DomainError(
    'unsupported_media',
    'UNSUPPORTED_MEDIA_TYPE',
    'Artifact uploads must be sent as Content-Type: application/octet-stream.',
  );
}
