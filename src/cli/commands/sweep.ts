import { WaiverError } from '../../domain/errors.js';
import { parseInstant } from '../../domain/time.js';
import type { SweepReport } from '../../service/sweep.js';
import type { CliContext } from '../context.js';
import { document, outputFormat, type InstantFlags } from '../output.js';

/** `waiver sweep [--now T]`: the controller's periodic work, once, as of an instant. */
export async function run(ctx: CliContext, flags: InstantFlags & { target?: string }): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const atMs = flags.now === undefined ? undefined : parseInstant(flags.now, 'now');
  const report = await (await ctx.waiver()).sweep(atMs, flags.target ? { targets: [flags.target] } : {});
  if (report.leaseHeldElsewhere && format === 'table')
    return ctx.out('another replica holds the sweep lease and is sweeping now; nothing done here\n');
  if (format !== 'table') ctx.out(document(report, format));
  else ctx.out(sweepText(report));
  if (report.failed.length > 0) {
    throw new WaiverError(
      'target',
      `${report.failed.length} target operation(s) failed; the next sweep retries them`,
      'target',
    );
  }
}

function sweepText(report: SweepReport): string {
  const line = (label: string, ids: string[]): string =>
    `${label.padEnd(10)}${ids.length ? ids.join(', ') : '-'}\n`;
  return (
    `sweep as of ${report.at}\n` +
    line('reminded', report.reminded) +
    line('expired', report.expired) +
    line('written', report.written) +
    line('deleted', report.deleted) +
    line(
      'failed',
      report.failed.map((f) => `${f.id} (${f.error})`),
    ) +
    line('merged', report.merged) +
    line(
      'skipped',
      report.skipped.map((s) => `${s.id} (${s.reason})`),
    )
  );
}
