import type { FastifyInstance, FastifyRequest } from 'fastify';
import { serverBundle } from '../service/audit-bundle.js';
import { authorize, type Actor } from '../service/actor.js';
import type { Waiver } from '../service/waiver.js';
import type { AnswerSlots } from './answer-slots.js';

export const BUNDLE_PATH = '/api/v1/audit/bundle';

/**
 * `GET /api/v1/audit/bundle`: a signed evidence bundle (.tar.gz), for an auditor. Outside the operation
 * table: its answer is bytes, and the remote CLI never asks for it (it signs with its own key).
 */
export function registerEvidenceBundle(
  app: FastifyInstance,
  waiverOf: (req: FastifyRequest) => Waiver,
  large: AnswerSlots,
  privateKeyPem: string | undefined,
  now: () => number,
): void {
  app.get(BUNDLE_PATH, async (req, reply) => {
    const waiver = waiverOf(req);
    const actor: Actor = req.actor ?? { name: 'anonymous', roles: [] };
    // Refused before it waits for a turn among the large answers (the use case checks again).
    authorize(actor, 'sign_evidence');
    const slot = large.take();
    reply.raw.once('close', slot.release);
    await slot.ready;
    const { bundle, at } = await serverBundle(waiver, actor, privateKeyPem, now());
    return reply
      .type('application/gzip')
      .header('content-disposition', `attachment; filename="waiver-evidence-${at.replace(/:/g, '')}.tar.gz"`)
      .send(bundle);
  });
}
