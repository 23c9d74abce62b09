import { parseListFilter } from '../../api/list-filter.js';
import { WaiverError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';
import { printExceptions } from '../exception-output.js';
import { outputFormat } from '../output.js';

export interface GetFlags {
  namespace?: string;
  allNamespaces?: boolean;
  policy?: string;
  category?: string;
  target?: string;
  search?: string;
  sort?: string;
  state?: string;
  expiringWithin?: string;
  output?: string;
}

/** `waiver get [id...]`: the inventory, filtered like kubectl (`-n`, `-A`), by state and by nearness of expiry. */
export async function run(ctx: CliContext, refs: string[], flags: GetFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'wide', 'json', 'yaml', 'name']);
  if (flags.namespace && flags.allNamespaces)
    throw new WaiverError('usage', '-n and -A exclude each other', 'namespace');
  const filter = parseListFilter(flags, { state: 'state', expiringWithin: 'expiring-within' });
  const waiver = await ctx.waiver();
  const items =
    refs.length > 0 ? await Promise.all(refs.map((ref) => waiver.get(ref))) : await waiver.list(filter);
  printExceptions(ctx, items, format);
}
