import type { CoverageItem } from '../domain/coverage.js';
import { exemptionLine, exemptionSummary } from '../domain/evaluate/coverage-verdicts.js';
import type { CoverageReport } from '../service/exception-coverage.js';
import type { CliContext } from './context.js';
import { document, table, type OutputFormat } from './output.js';

/** One row per resource and rule, for a reviewer: what is let through, by which exception, and why. */
export function coverageTable(items: readonly CoverageItem[], checked: number): string {
  const covered = items.filter((i) => i.covered === true).length;
  const unknown = items.filter((i) => i.covered === 'unknown').length;
  // "Would it still fail?" gets a column only when a policy was there to judge it by.
  const judged = items.some((i) => i.withoutException);
  const rows = table(
    ['RESOURCE', 'POLICY', 'RULE', 'COVERED', ...(judged ? ['WITHOUT EXCEPTION'] : []), 'BY', 'WHY'],
    items.map((i) => [
      `${i.resource.kind} ${i.resource.namespace ? `${i.resource.namespace}/` : ''}${i.resource.name}`,
      i.policy,
      i.rule || '-',
      i.covered === 'unknown' ? 'unknown' : i.covered ? 'yes' : 'no',
      ...(judged ? [i.withoutException?.verdict ?? '-'] : []),
      i.exceptions.join(', ') || '-',
      i.why,
    ]),
  );
  const summary = exemptionSummary(items);
  return `${items.length ? rows : ''}${covered} covered, ${unknown} unknown, ${checked - covered - unknown} not covered\n${
    summary ? `${exemptionLine(summary)}\n` : ''
  }`;
}

/** A live blast radius: what was read from the cluster, the resources let through, and what limits it. */
export function printCoverageReport(
  ctx: CliContext,
  report: CoverageReport,
  format: Extract<OutputFormat, 'table' | 'json' | 'yaml'>,
): void {
  if (format !== 'table') return ctx.out(document(report, format));
  const where = report.namespaces.length ? `namespaces ${report.namespaces.join(', ')}` : 'every namespace';
  const read = `${report.exception}: read ${report.kinds.join(', ') || 'no kind'} in ${where}\n`;
  const notes = report.notes.map((n) => `note: ${n}\n`).join('');
  ctx.out(`${read}${coverageTable(report.items, report.checked)}${notes}`);
}
