import { z } from 'zod';
import {
  AuditQuerySchema,
  CommentSchema,
  ErrorSchema,
  ImportBodySchema,
  LintBodySchema,
  ListQuerySchema,
  ManifestQuerySchema,
  MetricsQuerySchema,
  RenewInputSchema,
  RequestInputSchema,
  TokenInputSchema,
} from './api-schemas.js';

type JsonSchema = Record<string, unknown>;

const schemaOf = (s: z.ZodType): JsonSchema =>
  z.toJSONSchema(s, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' });

/** Query parameters from a zod object, one OpenAPI parameter per key. */
function queryParameters(s: z.ZodObject): JsonSchema[] {
  const json = schemaOf(s) as { properties?: Record<string, JsonSchema>; required?: string[] };
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
  '409': 'illegal lifecycle transition or a concurrent change (illegal_transition, conflict)',
  '413': 'body larger than the limit (too_large)',
  '422': 'refused by a guardrail of the process (guardrail)',
  '429': 'too many failed authentications from this address (rate_limited)',
};
const errorResponses = Object.fromEntries(
  Object.entries(errorStatuses).map(([status, description]) => [
    status,
    { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  ]),
);

interface Operation {
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  ok?: { status?: string; description: string; type?: string };
  id?: boolean;
}

function operation(op: Operation): JsonSchema {
  const parameters = [
    ...(op.id
      ? [
          {
            name: 'id',
            in: 'path',
            required: true,
            description: 'EX-42, 42 or the name',
            schema: { type: 'string' },
          },
        ]
      : []),
    ...(op.query ? queryParameters(op.query) : []),
  ];
  return {
    summary: op.summary,
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(op.body) } } } }
      : {}),
    responses: {
      [op.ok?.status ?? '200']: {
        description: op.ok?.description ?? 'OK',
        content: { [op.ok?.type ?? 'application/json']: {} },
      },
      ...errorResponses,
    },
  };
}

const transition = (verb: string, summary: string): JsonSchema =>
  operation({ summary, id: true, body: CommentSchema, ok: { description: `the exception after ${verb}` } });

/** The OpenAPI 3 document, built from the zod schemas the routes validate with. */
export function openApiDocument(version: string): JsonSchema {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Waiver API',
      version,
      description:
        'Kyverno policy exceptions as an explicit, time-bound, audited, decreasing set. Every endpoint but ' +
        '/healthz and /readyz needs "Authorization: Bearer <token>" (an API token or an OIDC JWT).',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: schemaOf(ErrorSchema) },
    },
    paths: {
      '/api/v1/exceptions': {
        get: operation({ summary: 'List exceptions (one page)', query: ListQuerySchema }),
        post: operation({
          summary: 'Request an exception (requester)',
          body: RequestInputSchema,
          ok: { status: '201', description: 'the new, pending exception' },
        }),
      },
      '/api/v1/exceptions/{id}': { get: operation({ summary: 'One exception', id: true }) },
      '/api/v1/exceptions/{id}/history': {
        get: operation({ summary: 'One exception with its audit timeline', id: true }),
      },
      '/api/v1/exceptions/{id}/manifest': {
        get: operation({
          summary: 'The rendered PolicyException',
          id: true,
          query: ManifestQuerySchema,
          ok: { description: 'YAML', type: 'application/yaml' },
        }),
      },
      '/api/v1/exceptions/{id}/approve': {
        post: transition('approve', 'Approve (approver; never your own)'),
      },
      '/api/v1/exceptions/{id}/reject': { post: transition('reject', 'Reject with a comment (approver)') },
      '/api/v1/exceptions/{id}/withdraw': { post: transition('withdraw', 'Withdraw (the requestor)') },
      '/api/v1/exceptions/{id}/apply': { post: transition('apply', 'Apply to the target (applier)') },
      '/api/v1/exceptions/{id}/revoke': { post: transition('revoke', 'Revoke an active exception') },
      '/api/v1/exceptions/{id}/escalate': { post: transition('escalate', 'Escalate to a policy change') },
      '/api/v1/exceptions/{id}/renew': {
        post: operation({
          summary: 'Request a renewal: new justification, fresh approval',
          id: true,
          body: RenewInputSchema,
          ok: { status: '201', description: 'the renewal, pending' },
        }),
      },
      '/api/v1/audit': {
        get: operation({
          summary: 'The audit trail (json, jsonl or csv)',
          query: AuditQuerySchema,
          ok: { description: 'events' },
        }),
      },
      '/api/v1/audit/verify': { get: operation({ summary: 'Verify the audit hash chain' }) },
      '/api/v1/metrics/summary': {
        get: operation({ summary: 'The process metrics and their targets', query: MetricsQuerySchema }),
      },
      '/api/v1/lint': {
        post: operation({ summary: 'Lint PolicyException manifests', body: LintBodySchema }),
      },
      '/api/v1/sweep': {
        post: operation({ summary: "Run the periodic work once, as of the server's clock (applier)" }),
      },
      '/api/v1/reconcile': {
        post: operation({
          summary: 'Converge the cluster to the store once: drift, deletions, rogues (applier)',
        }),
      },
      '/api/v1/unmanaged': {
        get: operation({ summary: 'PolicyExceptions in the cluster that did not come through Waiver' }),
      },
      '/api/v1/import': {
        post: operation({ summary: 'Adopt unmanaged PolicyExceptions (applier)', body: ImportBodySchema }),
      },
      '/api/v1/tokens': {
        get: operation({ summary: 'List API tokens (admin)' }),
        post: operation({
          summary: 'Create an API token (admin); the secret is shown once',
          body: TokenInputSchema,
          ok: { status: '201', description: 'the token and its secret' },
        }),
      },
      '/api/v1/tokens/{id}': {
        delete: operation({
          summary: 'Revoke an API token (admin)',
          id: true,
          ok: { status: '204', description: 'revoked' },
        }),
      },
      '/healthz': {
        get: { summary: 'Liveness', security: [], responses: { '200': { description: 'alive' } } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: database reachable, migrations done',
          security: [],
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text format' } } },
      },
    },
  };
}
