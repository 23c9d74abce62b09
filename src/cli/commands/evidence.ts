import type { CliContext } from '../context.js';
import { evidenceTable, evidenceText } from '../evidence-output.js';
import { document, outputFormat, type OutputFlags } from '../output.js';

export interface EvidenceFlags extends OutputFlags {
  /** The cluster whose reports speak of exceptions on Git and folder targets. */
  reportsFrom?: string;
}

/**
 * `waiver evidence [ID] [--reports-from CLUSTER]`: what Kyverno's policy reports prove about exceptions —
 * the resources each lets through, and which are unused, outlive their end, or see their results flip
 * back to fail.
 */
export async function run(ctx: CliContext, ref: string | undefined, flags: EvidenceFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const waiver = await ctx.waiver();
  if (ref !== undefined) {
    const one = await waiver.evidence(ref, flags.reportsFrom);
    return ctx.out(
      format === 'table'
        ? `${one.id} ${one.name} (${one.state})\n${evidenceText(one)}`
        : document(one, format),
    );
  }
  const all = await waiver.evidenceAll(flags.reportsFrom);
  ctx.out(format === 'table' ? evidenceTable(all.items) : document(all, format));
}
