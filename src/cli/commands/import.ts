import type { ImportReport } from '../../service/import-exceptions.js';
import type { CliContext } from '../context.js';
import { document, outputFormat, table, type OutputFlags } from '../output.js';

export interface ImportFlags extends OutputFlags {
  dryRun?: boolean;
  target?: string;
}

/** `waiver import [--dry-run]`: adopts unmanaged PolicyExceptions into the process. */
export async function run(ctx: CliContext, flags: ImportFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const report = await (await ctx.waiver()).import({ dryRun: flags.dryRun === true, target: flags.target });
  if (format !== 'table') return ctx.out(document(report, format));
  ctx.out(importText(report));
}

function importText(report: ImportReport): string {
  const verb = report.dryRun ? 'would import' : 'imported';
  const rows = report.imported.map((i) => [
    i.id ?? '-',
    i.target,
    i.name,
    i.expiresAt ?? '',
    i.lacks.join(',') || '-',
  ]);
  const refused = report.refused
    .map((r) => `refused ${r.target} ${r.namespace}/${r.name}: ${r.refused ?? ''}\n`)
    .join('');
  const body = rows.length ? table(['ID', 'TARGET', 'NAME', 'EXPIRES', 'LACKS'], rows) : '';
  return `${body}${refused}${verb} ${report.imported.length}, refused ${report.refused.length}${report.dryRun ? ' (dry run: nothing changed)' : ''}\n`;
}
