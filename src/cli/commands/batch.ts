import { WaiverError } from '../../domain/errors.js';
import { MAX_BATCH, type BatchAction, type BatchItem } from '../../service/batch-actions.js';
import type { Waiver } from '../../service/waiver.js';
import type { CliContext } from '../context.js';
import { printOne } from '../exception-output.js';
import { document, outputFormat } from '../output.js';

const pastTense: Record<BatchAction, string> = { approve: 'approved', reject: 'rejected', apply: 'applied' };

/**
 * `waiver approve|reject|apply ID ID…`: one action on many exceptions, in batches of at most
 * MAX_BATCH. One line an id: what it came to on standard output, a refusal on standard error; the exit
 * code is the first refusal's, after every id was tried.
 */
export async function runBatch(
  ctx: CliContext,
  waiver: Waiver,
  action: BatchAction,
  refs: readonly string[],
  flags: { comment?: string; output?: string },
): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml', 'name']);
  const items: BatchItem[] = [];
  for (let i = 0; i < refs.length; i += MAX_BATCH)
    items.push(...(await waiver.batch(action, refs.slice(i, i + MAX_BATCH), flags.comment)).items);
  if (format === 'json' || format === 'yaml') ctx.out(document({ action, items }, format));
  else for (const item of items) printItem(ctx, item, format, pastTense[action]);
  const refused = items.filter((i) => !i.ok);
  const first = refused[0];
  if (first && !first.ok)
    throw new WaiverError(
      first.error.code,
      `${refused.length} of ${items.length} not ${pastTense[action]}`,
      first.error.field,
    );
}

function printItem(ctx: CliContext, item: BatchItem, format: 'table' | 'name', verb: string): void {
  if (!item.ok) return ctx.err(`error: ${item.ref}: ${item.error.message}\n`);
  printOne(ctx, item.exception, format, verb);
  if (item.superseded && format !== 'name') printOne(ctx, item.superseded, format, 'superseded');
}
