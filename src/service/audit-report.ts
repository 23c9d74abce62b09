import {
  emptyTallies,
  tallyException,
  type AuditReport,
  type CheckpointStatus,
  type ReportPeriod,
} from '../domain/audit-report.js';
import { WaiverError } from '../domain/errors.js';
import { parseInstant, toRfc3339, wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import { checkTrail } from './audit-trail.js';
import type { ServiceDeps } from './deps.js';
import { reportMetrics } from './report-metrics.js';

export interface ReportInput {
  from?: string | undefined;
  /** The instant the report is as of (default now): the metrics are those `metrics` gives for it. */
  to?: string | undefined;
}

const PAGE = 500;

function instant(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  return toRfc3339(wholeSeconds(parseInstant(value, field)));
}

/**
 * The audit report of a period: tallies over every exception (a page at a time), the metrics as of the
 * period's end, and the trail's verification. A checkpoint is the caller's to check (it is kept outside
 * the database); its status is given or `not-given`.
 */
export async function auditReport(deps: ServiceDeps, actor: Actor, input: ReportInput): Promise<AuditReport> {
  const checkpoint: CheckpointStatus = {
    status: 'not-given',
    message: 'no checkpoint was given to check the trail against',
  };
  authorize(actor, 'read');
  const from = instant(input.from, 'from');
  const to = instant(input.to, 'to') ?? toRfc3339(wholeSeconds(deps.clock.now()));
  if (from !== undefined && from >= to)
    throw new WaiverError('usage', 'must be before the end of the period (to)', 'from');
  const period: ReportPeriod = { from, to };
  const tallies = emptyTallies();
  for (let afterId = 0; ;) {
    const page = await deps.store.listExceptions({ afterId, limit: PAGE, direct: true });
    for (const record of page) tallyException(tallies, record, period);
    if (page.length < PAGE) break;
    afterId = page.at(-1)?.id ?? afterId;
  }
  const metrics = await reportMetrics(deps, actor, Date.parse(to));
  const trail = await checkTrail(deps.store);
  const verification = trail.broken
    ? {
        intact: false,
        events: trail.events,
        message: `broken at event #${trail.broken.seq}: ${trail.broken.reason}`,
      }
    : trail.mismatches
      ? {
          intact: false,
          events: trail.events,
          message: trail.mismatches.map((m) => `${m.record}: ${m.reason}`).join('; '),
        }
      : { intact: true, events: trail.events, message: `${trail.events} events verified, every row matches` };
  return { period, ...tallies, metrics, verification, checkpoint };
}
