import { readTextFor } from '../read-file.js';
import { pages } from '../../api/paging.js';
import { messageOf, WaiverError } from '../../domain/errors.js';
import { auditActions, type AuditAction } from '../../domain/lifecycle.js';
import { parseInstant } from '../../domain/time.js';
import type { AuditFilter } from '../../service/audit-trail.js';
import type { CliContext } from '../context.js';
import { auditCells, auditHeader, auditJsonLine, csvLine } from '../../domain/audit-export.js';
import { document, outputFormat, table } from '../output.js';
import { streamedItems } from '../streamed-document.js';

export interface AuditFlags {
  verify?: boolean;
  /** With --verify: a signed checkpoint, and the public key it must be signed by. */
  checkpoint?: string;
  publicKey?: string;
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
  if (flags.checkpoint !== undefined && !flags.verify)
    throw new WaiverError('usage', '--checkpoint goes with --verify', 'checkpoint');
  if (flags.verify) {
    const { events } = await waiver.verifyAudit();
    const anchored = flags.checkpoint === undefined ? undefined : await checkAgainst(ctx, flags);
    return ctx.out(
      format === 'json'
        ? document({ intact: true, events, ...(anchored ? { checkpoint: anchored } : {}) }, 'json')
        : `audit chain intact: ${events} events verified${anchored ? `; it holds the checkpoint of ${anchored.at} (event #${anchored.seq})` : ''}\n`,
    );
  }
  const filter = auditFilter(flags);
  // Exports stream page by page: memory stays flat however long the trail.
  if (format !== 'table') {
    const eventPages = pages((after) => waiver.auditPage(ref, filter, { limit: 500, after }));
    if (format === 'json' || format === 'yaml') {
      for await (const text of streamedItems(eventPages, format)) ctx.out(text);
      return;
    }
    if (format === 'csv') ctx.out(csvLine(auditHeader));
    for await (const page of eventPages)
      ctx.out(page.items.map((e) => (format === 'csv' ? csvLine(auditCells(e)) : auditJsonLine(e))).join(''));
    return;
  }
  const events = await waiver.audit(ref, filter);
  ctx.out(
    table(
      ['SEQ', 'AT', 'ACTOR', 'ACTION', 'EXCEPTION', 'DATA'],
      events.map((e) => auditCells(e).slice(0, 6)),
    ),
  );
}

/** The chain still holds what a signed checkpoint saw: nothing removed from its end, nothing rewritten. */
export async function checkAgainst(
  ctx: CliContext,
  flags: Pick<AuditFlags, 'checkpoint' | 'publicKey'>,
): Promise<{ seq: number; at: string }> {
  if (flags.publicKey === undefined)
    throw new WaiverError(
      'usage',
      '--checkpoint needs --public-key, the key it must be signed by',
      'public-key',
    );
  const checkpoint = parseJson(readTextFor(flags.checkpoint ?? '', 'checkpoint'));
  const seq = (checkpoint as { seq?: unknown }).seq;
  const waiver = await ctx.waiver();
  // Only the event the checkpoint names is read, and the head for the message if it is gone.
  const [event] =
    typeof seq === 'number' && seq > 0
      ? (await waiver.auditPage(undefined, {}, { limit: 1, after: seq - 1 })).items
      : [];
  const { verifyCheckpoint } = await import('../../service/audit-checkpoint.js');
  return verifyCheckpoint(
    checkpoint,
    readTextFor(flags.publicKey, 'public-key'),
    event,
    await waiver.auditHead(),
  );
}

/** `waiver audit checkpoint --private-key FILE`: the chain's head, signed, for safekeeping elsewhere. */
export async function checkpoint(ctx: CliContext, flags: { privateKey?: string }): Promise<void> {
  if (flags.privateKey === undefined)
    throw new WaiverError(
      'usage',
      '--private-key is required: an Ed25519 key in PEM the database never holds',
      'private-key',
    );
  const { signCheckpoint } = await import('../../service/audit-checkpoint.js');
  const head = await (await ctx.waiver()).auditHead();
  const signed = signCheckpoint(
    head,
    readTextFor(flags.privateKey, 'private-key'),
    new Date(ctx.clock.now()).toISOString(),
  );
  ctx.out(document(signed, 'json'));
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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WaiverError('usage', `the checkpoint is not JSON: ${messageOf(e)}`, 'checkpoint');
  }
}
