import type { CliContext } from '../context.js';
import { document, outputFormat, table, type OutputFlags } from '../output.js';

/** `waiver targets`: the configured targets, the default marked. */
export async function run(ctx: CliContext, flags: OutputFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml', 'name']);
  const { items } = await (await ctx.waiver()).targets();
  if (format === 'json' || format === 'yaml') return ctx.out(document({ items }, format));
  if (format === 'name') return ctx.out(items.map((t) => `${t.name}\n`).join(''));
  ctx.out(
    table(
      ['NAME', 'KIND', 'DEFAULT', 'DESCRIPTION'],
      items.map((t) => [t.name, t.kind, t.default ? 'yes' : '', t.description]),
    ),
  );
}
