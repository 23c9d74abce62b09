import type { CliContext } from '../context.js';
import { printOne } from '../exception-output.js';
import { outputFormat } from '../output.js';

export interface RenewFlags {
  reason?: string;
  expires?: string;
  ticket?: string;
  output?: string;
}

/** `waiver renew <id> --reason --expires`: a new request for the same scope, needing a fresh approval. */
export async function run(ctx: CliContext, ref: string, flags: RenewFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml', 'name']);
  const input = {
    reason: flags.reason,
    expires: flags.expires,
    ...(flags.ticket ? { ticket: flags.ticket } : {}),
  };
  const { exception } = await (await ctx.waiver()).renew(ref, input as { reason: string; expires: string });
  printOne(ctx, exception, format, `requested as renewal of ${exception.renewalOf ?? ''}`);
}
