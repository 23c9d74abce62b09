import type { FastifyInstance } from 'fastify';
import type { State } from '../../domain/exception.js';
import { parseDuration } from '../../domain/time.js';
import { parseInput } from '../../service/validate.js';
import {
  CommentSchema,
  ListQuerySchema,
  ManifestQuerySchema,
  RenewInputSchema,
  RequestInputSchema,
} from '../api-schemas.js';
import { pageJson } from '../page-json.js';
import type { WaiverOf } from '../waiver-of.js';

const ref = (params: unknown): string => (params as { id: string }).id;
const comment = (body: unknown): string | undefined => parseInput(CommentSchema, body ?? {}).comment;

/** The lifecycle verbs that take an optional comment and return the changed exception. */
const verbs = ['approve', 'reject', 'withdraw', 'revoke', 'escalate'] as const;

/** `/api/v1/exceptions`: the inventory and every lifecycle action. Routes parse and delegate, nothing more. */
export function exceptionRoutes(app: FastifyInstance, waiverOf: WaiverOf): void {
  app.get('/api/v1/exceptions', async (req, reply) => {
    const query = parseInput(ListQuerySchema, req.query);
    const filter = {
      namespace: query.namespace,
      states: query.state?.split(',').map((s) => s.trim() as State),
      expiringWithinMs:
        query.expiringWithin === undefined
          ? undefined
          : parseDuration(query.expiringWithin, 'expiringWithin'),
    };
    const after = query.continue === undefined ? undefined : Number(query.continue);
    const page = await waiverOf(req).listPage(filter, { limit: query.limit, after });
    return reply.type('application/json; charset=utf-8').send(pageJson(page));
  });

  app.post('/api/v1/exceptions', async (req, reply) => {
    const created = await waiverOf(req).request(parseInput(RequestInputSchema, req.body));
    return reply.code(201).header('location', `/api/v1/exceptions/${created.id}`).send(created);
  });

  app.get('/api/v1/exceptions/:id', async (req) => waiverOf(req).get(ref(req.params)));

  app.get('/api/v1/exceptions/:id/history', async (req) => waiverOf(req).describe(ref(req.params)));

  for (const verb of verbs)
    app.post(`/api/v1/exceptions/:id/${verb}`, async (req) =>
      waiverOf(req)[verb](ref(req.params), comment(req.body)),
    );

  app.post('/api/v1/exceptions/:id/apply', async (req) =>
    waiverOf(req).apply(ref(req.params), comment(req.body)),
  );

  app.post('/api/v1/exceptions/:id/renew', async (req, reply) => {
    const renewal = await waiverOf(req).renew(ref(req.params), parseInput(RenewInputSchema, req.body));
    return reply.code(201).header('location', `/api/v1/exceptions/${renewal.id}`).send(renewal);
  });

  app.get('/api/v1/exceptions/:id/manifest', async (req, reply) => {
    const { apiVersion } = parseInput(ManifestQuerySchema, req.query);
    const yaml = await waiverOf(req).render(ref(req.params), apiVersion);
    return reply.type('application/yaml; charset=utf-8').send(yaml);
  });
}
