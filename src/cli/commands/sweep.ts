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

/**
 * What the sweep did, one line a kind of action and only those that happened: each removal names the
 * PolicyException and the target it was taken off (or the pull request that takes it off).
 */
export function sweepText(report: SweepReport): string {
  const line = (label: string, items: string[]): string =>
    items.length ? `${label.padEnd(10)}${items.join(', ')}\n` : '';
  const removedBy = new Map(report.removed.map((r) => [r.id, r]));
  const removal = (id: string): string => {
    const r = removedBy.get(id);
    if (!r) return id;
    return r.proposal
      ? `${id} (${r.name}: removal proposed on ${r.target} in ${r.proposal})`
      : `${id} (${r.name} removed from ${r.target})`;
  };
  const body =
    line('reminded', report.reminded) +
    line('expired', report.expired.map(removal)) +
    line('written', report.written) +
    line('removed', report.deleted.map(removal)) +
    line(
      'failed',
      report.failed.map((f) => `${f.id} (${f.error})`),
    ) +
    line('merged', report.merged) +
    line('no longer needed ', report.noLongerNeeded) +
    line('revoked as no longer needed ', report.revokedNoLongerNeeded) +
    line(
      'skipped',
      report.skipped.map((s) => `${s.id} (${s.reason})`),
    );
  return `sweep as of ${report.at}\n${body || 'nothing to do\n'}`;
}
