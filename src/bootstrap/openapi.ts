import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { PLATFORM_VERSION } from '../version';

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details', 'request_id'],
      properties: {
        code: { type: 'string', example: 'MODEL_NOT_FOUND' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
        request_id: { type: 'string', example: '3f2c9a0e1b7d4c55a1e0b8f0d2c4e6a8' },
      },
    },
  },
};

/** Error statuses every authenticated operation can answer, besides the ones it documents itself. */
const COMMON_ERRORS: Record<string, string> = {
  '400': 'Invalid input: `details.errors` names each invalid field (`loc`, `msg`, `type`).',
  '401': 'Missing or wrong API key.',
  '429': 'Too many requests: see `Retry-After` and the `RateLimit-*` headers.',
  '500': 'A bug: reported with its request id.',
};

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Artenic AI Platform')
    .setDescription(
      'Model registry, multi-cloud training with budget admission control, real inference with A/B routing, ' +
        'ensembles, monitoring and a WebSocket event stream (`/ws?topics=…&since=…`). Every error has the body ' +
        '`{"error": {"code", "message", "details", "request_id"}}`.',
    )
    .setVersion(PLATFORM_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'ARTENIC_API_KEY or a named key' })
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  document.paths['/health'] = {
    get: {
      operationId: 'Health_liveness',
      summary: 'Liveness: the process answers (no I/O)',
      tags: ['health'],
      security: [],
      responses: {
        '200': {
          description: 'Alive',
          content: {
            'application/json': {
              schema: { type: 'object', properties: { status: { type: 'string', example: 'healthy' } } },
            },
          },
        },
      },
    },
  };
  document.components = document.components ?? {};
  document.components.schemas = { ...document.components.schemas, ErrorResponse: ERROR_SCHEMA };
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path) as Array<{
      responses?: Record<string, unknown>;
      tags?: string[];
      security?: unknown;
    }>) {
      if (!operation || typeof operation !== 'object' || !operation.responses) continue;
      const isPublic = operation.tags?.includes('health');
      if (isPublic) operation.security = [];
      for (const [status, description] of Object.entries(COMMON_ERRORS)) {
        if (isPublic && (status === '401' || status === '429')) continue;
        operation.responses[status] ??= errorResponse(description);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) >= 400) operation.responses[status] = withErrorSchema(response);
      }
    }
  }
  return document;
}

function errorResponse(description: string) {
  return {
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
  };
}

function withErrorSchema(response: unknown) {
  const r = response as { description?: string; content?: unknown };
  if (r.content) return r;
  return errorResponse(r.description ?? 'Error');
}

export function mountOpenApi(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'Artenic AI Platform API',
  });
}
