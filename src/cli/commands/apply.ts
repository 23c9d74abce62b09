import { WaiverError } from '../../domain/errors.js';
import type { Waiver } from '../../service/waiver.js';
import type { CliContext } from '../context.js';
import { printOne } from '../exception-output.js';
import { document, outputFormat } from '../output.js';
import { runBatch } from './batch.js';

export interface ApplyFlags {
  comment?: string;
  output?: string;
  allApproved?: boolean;
  namespace?: string;
}

/**
 * `waiver apply ID…` or `apply --all-approved [-n NS]`: a staff engineer puts approved exceptions in
 * force. One id answers as before (its error is the command's); several are one batch.
 */
export async function run(ctx: CliContext, refs: readonly string[], flags: ApplyFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml', 'name']);
  if (flags.allApproved && refs.length > 0)
    throw new WaiverError('usage', 'name exceptions or give --all-approved, not both', 'all-approved');
  if (flags.namespace !== undefined && !flags.allApproved)
    throw new WaiverError('usage', '-n narrows --all-approved; give it with --all-approved', 'namespace');
  if (!flags.allApproved && refs.length === 0)
    throw new WaiverError('usage', 'name the exceptions to apply, or give --all-approved', 'id');
  const waiver = await ctx.waiver();
  const ids = flags.allApproved ? await approvedIds(waiver, flags.namespace) : refs;
  if (ids.length === 0) return ctx.err('No approved exceptions to apply.\n');
  const [only] = ids;
  if (ids.length > 1 || flags.allApproved || only === undefined)
    return runBatch(ctx, waiver, 'apply', ids, flags);
  const result = await waiver.apply(only, flags.comment);
  if (format === 'json' || format === 'yaml') return ctx.out(document(result.exception, format));
  printOne(ctx, result.exception, format, 'applied');
  if (result.superseded && format !== 'name') printOne(ctx, result.superseded, format, 'superseded');
}

async function approvedIds(waiver: Waiver, namespace: string | undefined): Promise<string[]> {
  const approved = await waiver.list({ states: ['approved'], ...(namespace ? { namespace } : {}) });
  return approved.map((e) => e.id);
}
