import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Operation, OperationName } from '../api/operation.js';
import { operationList } from '../api/operations.js';
import { parseInput } from '../domain/parse-input.js';
import type { Waiver } from '../service/waiver.js';
import type { AnswerSlots } from './answer-slots.js';

/** The service bound to the authenticated caller of a request. */
export type WaiverOf = (request: FastifyRequest) => Waiver;

/** OpenAPI's `{id}` is Fastify's `:id`; a literal colon (`exceptions:batch`) is doubled to stay one. */
export const fastifyPath = (path: string): string => path.replace(/:/g, '::').replace(/\{(\w+)\}/g, ':$1');

/**
 * Every operation of the table becomes a route that validates its input, calls the service as the
 * caller, and answers. No process logic lives here.
 */
export function registerOperations(app: FastifyInstance, waiverOf: WaiverOf, large: AnswerSlots): void {
  for (const op of operationList)
    app.route({ method: op.method, url: fastifyPath(op.path), handler: handler(op, waiverOf, large) });
}

function handler(op: Operation<OperationName>, waiverOf: WaiverOf, large: AnswerSlots) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const query: unknown = op.query ? parseInput(op.query, req.query) : undefined;
    // A body is optional where every field is: an empty POST means the defaults.
    const body: unknown = op.body ? parseInput(op.body, req.body ?? {}) : undefined;
    const id = (req.params as { id?: string }).id ?? '';
    const waiver = waiverOf(req);
    if (op.large) {
      // The turn lasts until the answer is sent (a stream, or a slow reader, keeps it) or abandoned.
      const slot = large.take();
      reply.raw.once('close', slot.release);
      await slot.ready;
    }
    const result = await op.invoke(waiver, { id, query, body });
    reply.code(op.success.status);
    if (op.location) reply.header('location', op.location(result));
    if (op.success.status === 204) return reply.send();
    const text = op.respond?.(result, { query, waiver });
    if (!text) return reply.send(result);
    return reply.type(text.type).send(typeof text.text === 'string' ? text.text : Readable.from(text.text));
  };
}
