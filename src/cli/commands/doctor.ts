import { WaiverError } from '../../domain/errors.js';
import type { DoctorReport } from '../../service/check-cluster.js';
import type { CliContext } from '../context.js';
import { document, outputFormat, type OutputFlags } from '../output.js';

/** `waiver doctor`: checks the configured cluster before use; exit 1 when a check fails. */
export async function run(ctx: CliContext, flags: OutputFlags & { target?: string }): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const report = await (await ctx.waiver()).doctor(flags.target);
  ctx.out(format === 'table' ? reportText(report) : document({ findings: report.findings }, format));
  if (report.failed > 0) throw new WaiverError('lint_failed', `${report.failed} check(s) failed`, 'cluster');
}

/** One block per cluster target, headed by its name; one line per check. */
const reportText = ({ findings }: DoctorReport): string => {
  let out = '';
  let current: string | undefined;
  for (const f of findings) {
    if (f.target !== undefined && f.target !== current)
      out += `${out ? '\n' : ''}target ${(current = f.target)}\n`;
    out += `${f.status.toUpperCase().padEnd(5)} ${f.check.padEnd(10)} ${f.message}${f.fix ? `\n      fix: ${f.fix}` : ''}\n`;
  }
  return out;
};
