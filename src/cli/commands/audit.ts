import { WaiverError } from '../../domain/errors.js';
import { auditActions, type AuditAction } from '../../domain/lifecycle.js';
import { parseInstant } from '../../domain/time.js';
import type { AuditFilter } from '../../service/audit-trail.js';
import type { CliContext } from '../context.js';
import { auditCells, auditCsv, auditJsonl } from '../../domain/audit-export.js';
import { document, outputFormat, table } from '../output.js';

export interface AuditFlags {
  verify?: boolean;
  action?: string;
  actor?: string;
  since?: string;
  until?: string;
  output?: string;
}

/** `waiver audit [id] [--action A] [--actor X] [--since T] [--until T] [--verify] [-o …]`: the trail, or a check of its hash chain. */
export async function run(ctx: CliContext, ref: string | undefined, flags: AuditFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'jsonl', 'csv', 'yaml']);
  const waiver = await ctx.waiver();
  if (flags.verify) {
    const { events } = await waiver.verifyAudit();
    return ctx.out(
      format === 'json'
        ? document({ intact: true, events }, 'json')
        : `audit chain intact: ${events} events verified\n`,
    );
  }
  const events = await waiver.audit(ref, auditFilter(flags));
  switch (format) {
    case 'json':
    case 'yaml':
      return ctx.out(document({ items: events }, format));
    case 'jsonl':
      return ctx.out(auditJsonl(events));
    case 'csv':
      return ctx.out(auditCsv(events));
    default:
      return ctx.out(
        table(
          ['SEQ', 'AT', 'ACTOR', 'ACTION', 'EXCEPTION', 'DATA'],
          events.map((e) => auditCells(e).slice(0, 6)),
        ),
      );
  }
}

function auditFilter(flags: AuditFlags): AuditFilter {
  if (flags.action !== undefined && !(auditActions as readonly string[]).includes(flags.action))
    throw new WaiverError(
      'usage',
      `unknown action "${flags.action}"; use one of ${auditActions.join(', ')}`,
      'action',
    );
  return {
    action: flags.action as AuditAction | undefined,
    actor: flags.actor,
    sinceMs: flags.since === undefined ? undefined : parseInstant(flags.since, 'since'),
    untilMs: flags.until === undefined ? undefined : parseInstant(flags.until, 'until'),
  };
}
