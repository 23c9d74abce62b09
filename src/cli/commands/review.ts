import { humanDuration } from '../../domain/time.js';
import type { CliContext } from '../context.js';
import { document, joined, outputFormat, table } from '../output.js';

export interface ReviewFlags {
  all?: boolean;
  output?: string;
}

/** `waiver review [--all]`: what waits for you now, queue by queue, oldest first. */
export async function run(ctx: CliContext, flags: ReviewFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const { items } = await (await ctx.waiver()).review({ all: flags.all === true });
  if (format !== 'table') return ctx.out(document({ items }, format));
  if (items.length === 0) return ctx.err('Nothing waits for you.\n');
  ctx.out(
    table(
      ['QUEUE', 'ID', 'NAME', 'NAMESPACES', 'WAITING', 'RENEWALS', 'WHY'],
      items.map((i) => [
        i.queue,
        i.id,
        i.name,
        joined(i.namespaces),
        humanDuration(i.ageSeconds * 1000),
        String(i.renewalCount),
        i.commands.length ? `${i.why} (${i.commands.join('; ')})` : i.why,
      ]),
    ),
  );
}
