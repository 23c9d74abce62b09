import { reportHtml, reportMarkdown, type CheckpointStatus } from '../../domain/audit-report.js';
import { isWaiverError, WaiverError } from '../../domain/errors.js';
import type { CliContext } from '../context.js';
import { document } from '../output.js';
import { checkAgainst } from './audit.js';

export interface ReportFlags {
  from?: string;
  to?: string;
  output?: string;
  checkpoint?: string;
  publicKey?: string;
}

/**
 * `waiver report [--from T] [--to T] [-o md|html|json] [--checkpoint FILE --public-key PEM]`: the audit
 * report of a period; with a checkpoint, whether the trail still holds it is part of the report.
 */
export async function run(ctx: CliContext, flags: ReportFlags): Promise<void> {
  const format = flags.output ?? 'md';
  if (format !== 'md' && format !== 'html' && format !== 'json')
    throw new WaiverError(
      'usage',
      `output format "${format}" is not supported here; use one of md, html, json`,
      'output',
    );
  if (flags.publicKey !== undefined && flags.checkpoint === undefined)
    throw new WaiverError('usage', '--public-key goes with --checkpoint', 'public-key');
  const waiver = await ctx.waiver();
  const report = await waiver.report({ from: flags.from, to: flags.to });
  if (flags.checkpoint !== undefined) report.checkpoint = await checkpointStatus(ctx, flags);
  ctx.out(
    format === 'json'
      ? document(report, 'json')
      : format === 'html'
        ? reportHtml(report)
        : reportMarkdown(report),
  );
}

async function checkpointStatus(ctx: CliContext, flags: ReportFlags): Promise<CheckpointStatus> {
  try {
    const held = await checkAgainst(ctx, flags);
    return {
      status: 'verified',
      message: `signed by the given key; the trail still holds event #${held.seq} as the checkpoint of ${held.at} saw it`,
    };
  } catch (e) {
    // A missing key or file is a usage error; a bad signature or a rewritten trail is what the report is for.
    if (isWaiverError(e) && e.code === 'audit_broken') return { status: 'failed', message: e.message };
    throw e;
  }
}
