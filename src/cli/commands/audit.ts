import type { AuditEvent } from '../../domain/audit.js';
import type { CliContext } from '../context.js';
import { csv, document, outputFormat, table } from '../output.js';

export interface AuditFlags {
  verify?: boolean;
  output?: string;
}

const header = ['seq', 'at', 'actor', 'action', 'exceptionId', 'data', 'prevHash', 'hash'];
const cells = (e: AuditEvent): string[] => [
  String(e.seq),
  e.at,
  e.actor,
  e.action,
  e.exceptionId === null ? '' : `EX-${e.exceptionId}`,
  JSON.stringify(e.data),
  e.prevHash,
  e.hash,
];

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
      return ctx.out(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    case 'csv':
      return ctx.out(csv(header, events.map(cells)));
    default:
      return ctx.out(
        table(
          ['SEQ', 'AT', 'ACTOR', 'ACTION', 'EXCEPTION', 'DATA'],
          events.map((e) => cells(e).slice(0, 6)),
        ),
      );
  }
}
