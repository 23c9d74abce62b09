import { revokeClosures, type RevokeClosure } from '../../domain/controls.js';
import { WaiverError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';
import { printOne } from '../exception-output.js';
import { outputFormat } from '../output.js';
import { runBatch } from './batch.js';

export interface TransitionFlags {
  comment?: string;
  closure?: string;
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

/**
 * `waiver approve|reject|withdraw|revoke|escalate <id> [--comment]`: one lifecycle action; approve and
 * reject take several ids, one batch with one comment.
 */
export async function run(
  ctx: CliContext,
  verb: TransitionVerb,
  refs: readonly string[],
  flags: TransitionFlags,
): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml', 'name']);
  const waiver = await ctx.waiver();
  const [only] = refs;
  if ((verb === 'approve' || verb === 'reject') && (refs.length > 1 || only === undefined))
    return runBatch(ctx, waiver, verb, refs, flags);
  const changed =
    verb === 'revoke'
      ? await waiver.revoke(only ?? '', flags.comment, closureFlag(flags.closure))
      : await waiver[verb](only ?? '', flags.comment);
  printOne(ctx, changed.exception, format, pastTense[verb]);
}

function closureFlag(given: string | undefined): RevokeClosure | undefined {
  if (given === undefined) return undefined;
  if ((revokeClosures as readonly string[]).includes(given)) return given as RevokeClosure;
  throw new WaiverError(
    'usage',
    `--closure must be one of ${revokeClosures.join(', ')}, not "${given}"`,
    'closure',
  );
}
