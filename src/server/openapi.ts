import * as z from 'zod';
import type { Operation, OperationName } from '../api/operation.js';
import { operationList } from '../api/operations.js';
import { ErrorSchema } from '../api/request-schemas.js';

type JsonSchema = Record<string, unknown>;

const schemaOf = (s: z.ZodType, io: 'input' | 'output'): JsonSchema =>
  z.toJSONSchema(s, { target: 'openapi-3.0', io, unrepresentable: 'any' });

/** Query parameters from a zod object, one OpenAPI parameter per key. */
function queryParameters(s: z.ZodObject): JsonSchema[] {
  const json = schemaOf(s, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    ...(typeof schema['description'] === 'string' ? { description: schema['description'] } : {}),
    schema,
  }));
}

const errorStatuses: Record<string, string> = {
  '400': 'malformed or invalid input (code usage)',
  '401': 'not authenticated (code unauthenticated)',
  '403': 'the role or separation of duties forbids it (code forbidden)',
  '404': 'no such exception or token (code not_found)',
  '409': 'illegal lifecycle transition, a concurrent change or a broken audit chain',
  '413': 'body larger than the limit (too_large)',
  '415': 'a body that is not JSON (unsupported_media_type)',
  '422': 'refused by a guardrail of the process (guardrail)',
  '429': 'too many failed authentications from this address (rate_limited)',
  '502': 'the target (a cluster) refused or did not answer (target)',
};
const errorResponses = Object.fromEntries(
  Object.entries(errorStatuses).map(([status, description]) => [
    status,
    { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  ]),
);

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'EX-42, 42 or the name (a token id for /tokens)',
  schema: { type: 'string' },
};

function successResponse(op: Operation<OperationName>): JsonSchema {
  const { success } = op;
  const content: Record<string, JsonSchema> = {};
  if (success.schema) content['application/json'] = { schema: schemaOf(success.schema, 'output') };
  for (const type of success.text ?? []) content[type] = { schema: { type: 'string' } };
  return {
    description: success.description,
    ...(success.status === 204 ? {} : { content }),
    ...(op.location
      ? { headers: { location: { description: 'the new resource', schema: { type: 'string' } } } }
      : {}),
  };
}

function describeOperation(op: Operation<OperationName>): JsonSchema {
  const parameters = [
    ...(op.path.includes('{id}') ? [idParameter] : []),
    ...(op.query ? queryParameters(op.query) : []),
  ];
  return {
    operationId: op.name,
    summary: op.summary,
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            // Optional where every field is: an empty body means the defaults.
            required: !op.body.safeParse({}).success,
            content: { 'application/json': { schema: schemaOf(op.body, 'input') } },
          },
        }
      : {}),
    responses: { [String(op.success.status)]: successResponse(op), ...errorResponses },
  };
}

const unauthenticated: Record<string, JsonSchema> = {
  '/healthz': { get: { summary: 'Liveness', security: [], responses: { '200': { description: 'alive' } } } },
  '/readyz': {
    get: {
      summary: 'Readiness: database reachable, migrations done',
      security: [],
      responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
    },
  },
  '/metrics': {
    get: {
      summary: 'Prometheus metrics (any role)',
      responses: {
        '200': { description: 'text format', content: { 'text/plain': { schema: { type: 'string' } } } },
      },
    },
  },
  // Outside the operation table: its answer is bytes (src/server/evidence-bundle.ts).
  '/api/v1/audit/bundle': {
    get: {
      summary:
        'A signed evidence bundle (auditor): OSCAL documents, the trail, its verification, a checkpoint, the report, a manifest of SHA-256 digests and its Ed25519 signature by the key the server was started with (409 without one)',
      responses: {
        '200': {
          description:
            'the bundle (.tar.gz); verify it with waiver audit bundle --verify FILE --public-key PUB',
          content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
        },
        ...errorResponses,
      },
    },
  },
};

/** The OpenAPI 3 document, generated from the operation table and the zod schemas it validates with. */
export function openApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of operationList) (paths[op.path] ??= {})[op.method.toLowerCase()] = describeOperation(op);
  return {
    openapi: '3.0.3',
    info: {
      title: 'Waiver API',
      version,
      description:
        'Kyverno policy exceptions as an explicit, time-bound, audited, decreasing set. Every endpoint but ' +
        '/healthz, /readyz and this document needs "Authorization: Bearer <token>" (an API token or an OIDC JWT).',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: schemaOf(ErrorSchema, 'output') },
    },
    paths: { ...paths, ...unauthenticated },
  };
}
