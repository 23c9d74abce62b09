import type { CliContext } from '../context.js';
import { printOne } from '../exception-output.js';
import { document, outputFormat } from '../output.js';

export interface ApplyFlags {
  comment?: string;
  output?: string;
}

/** `waiver apply <id>`: a staff engineer puts an approved exception in force. */
export async function run(ctx: CliContext, ref: string, flags: ApplyFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml', 'name']);
  const result = await (await ctx.waiver()).apply(ref, flags.comment);
  if (format === 'json' || format === 'yaml') return ctx.out(document(result.exception, format));
  printOne(ctx, result.exception, format, 'applied');
  if (result.superseded && format !== 'name') printOne(ctx, result.superseded, format, 'superseded');
}
