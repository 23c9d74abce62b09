import type { FastifyInstance } from 'fastify';
import { parseInput } from '../../service/validate.js';
import { TokenInputSchema } from '../api-schemas.js';
import type { WaiverOf } from '../waiver-of.js';

/** API tokens: admins create (the secret is in this one response), list and revoke them. */
export function tokenRoutes(app: FastifyInstance, waiverOf: WaiverOf): void {
  app.get('/api/v1/tokens', async (req) => ({ items: await waiverOf(req).listTokens() }));

  app.post('/api/v1/tokens', async (req, reply) =>
    reply.code(201).send(await waiverOf(req).createToken(parseInput(TokenInputSchema, req.body))),
  );

  app.delete('/api/v1/tokens/:id', async (req, reply) => {
    await waiverOf(req).revokeToken((req.params as { id: string }).id);
    return reply.code(204).send();
  });
}
