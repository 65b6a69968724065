import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { rawRequest, rawResponse, ensureRequestId } from '../http/request-id';
import { renderError } from './error-response';

/** Every error of every HTTP route leaves through here, in the one error format. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<unknown>();
    const response = http.getResponse<unknown>();
    const requestId = ensureRequestId(rawRequest(request), rawResponse(response));
    const rendered = renderError(exception, requestId);
    if (rendered.unexpected) {
      this.logger.error({ err: exception, request_id: requestId }, 'Unhandled error while serving a request');
    }
    const adapter = this.adapterHost.httpAdapter;
    if (rawResponse(response).headersSent) return;
    for (const [name, value] of Object.entries(rendered.headers)) adapter.setHeader(response, name, value);
    adapter.reply(response, rendered.body, rendered.status);
  }
}
