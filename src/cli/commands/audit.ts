import type { CliContext } from '../context.js';
import { auditCells, auditCsv, auditJsonl } from '../../domain/audit-export.js';
import { document, outputFormat, table } from '../output.js';

export interface AuditFlags {
  verify?: boolean;
  output?: string;
}

/** `waiver audit [id] [--verify] [-o json|jsonl|csv]`: the trail, or a check of its hash chain. */
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
  const events = await waiver.audit(ref);
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
