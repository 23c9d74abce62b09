import type { CliContext } from '../context.js';
import { printOne } from '../exception-output.js';
import { outputFormat } from '../output.js';

export interface TransitionFlags {
  comment?: string;
  output?: string;
}

export type TransitionVerb = 'approve' | 'reject' | 'withdraw' | 'revoke' | 'escalate';

const pastTense: Record<TransitionVerb, string> = {
  approve: 'approved',
  reject: 'rejected',
  withdraw: 'withdrawn',
  revoke: 'revoked',
  escalate: 'escalated',
};

/** `waiver approve|reject|withdraw|revoke|escalate <id> [--comment]`: one lifecycle action. */
export async function run(
  ctx: CliContext,
  verb: TransitionVerb,
  ref: string,
  flags: TransitionFlags,
): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml', 'name']);
  const waiver = await ctx.waiver();
  const changed = await waiver[verb](ref, flags.comment);
  printOne(ctx, changed.exception, format, pastTense[verb]);
}
