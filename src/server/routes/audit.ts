import type { FastifyInstance } from 'fastify';
import { auditCsv, auditJsonl } from '../../domain/audit-export.js';
import { parseInput } from '../../service/validate.js';
import { AuditQuerySchema, ImportBodySchema, LintBodySchema, MetricsQuerySchema } from '../api-schemas.js';
import type { WaiverOf } from '../waiver-of.js';

/** The audit trail, its verification, the process metrics, linting, the periodic work and the cluster. */
export function auditRoutes(app: FastifyInstance, waiverOf: WaiverOf): void {
  app.get('/api/v1/audit', async (req, reply) => {
    const query = parseInput(AuditQuerySchema, req.query);
    const events = await waiverOf(req).audit(query.exception, {
      action: query.action,
      actor: query.actor,
      sinceMs: query.since === undefined ? undefined : Date.parse(query.since),
      untilMs: query.until === undefined ? undefined : Date.parse(query.until),
    });
    switch (query.format) {
      case 'csv':
        return reply.type('text/csv; charset=utf-8').send(auditCsv(events));
      case 'jsonl':
        return reply.type('application/jsonl; charset=utf-8').send(auditJsonl(events));
      case 'json':
        return { items: events };
    }
  });

  app.get('/api/v1/audit/verify', async (req) => ({ intact: true, ...(await waiverOf(req).verifyAudit()) }));

  app.get('/api/v1/metrics/summary', async (req) => {
    const { at } = parseInput(MetricsQuerySchema, req.query);
    return waiverOf(req).metrics(at === undefined ? undefined : Date.parse(at));
  });

  app.post('/api/v1/lint', async (req) => {
    const { sources } = parseInput(LintBodySchema, req.body);
    return waiverOf(req).lint(sources);
  });

  // The server's own clock: a client never chooses the instant the work is done as of.
  app.post('/api/v1/sweep', async (req) => waiverOf(req).sweep());

  app.post('/api/v1/reconcile', async (req) => waiverOf(req).reconcile());
  app.get('/api/v1/unmanaged', async (req) => ({ items: await waiverOf(req).unmanaged() }));
  app.post('/api/v1/import', async (req) => {
    const { dryRun } = parseInput(ImportBodySchema, req.body ?? {});
    return waiverOf(req).import({ dryRun });
  });
}
