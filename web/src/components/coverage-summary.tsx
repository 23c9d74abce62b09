import type { Success } from '../api/client';
import { DataTable } from './data-table';

export type CoverageReport = Success<'/api/v1/covers', 'post'>;
type Verdict = CoverageReport['items'][number]['withoutException'];

/**
 * Whether the resource would still fail the rule were the exception not there: where it passes anyway,
 * the exception is not needed for it. No verdict: the policy or the resource was not read.
 */
function withoutLine(v: Verdict): string {
  if (!v) return 'unknown (no resource data)';
  switch (v.verdict) {
    case 'would-fail':
      return 'would fail without it';
    case 'would-pass':
      return 'passes anyway (exception not needed for this resource)';
    case 'unknown':
      return `unknown (${v.why})`;
  }
}

/**
 * A coverage report (what an exception, or a request not yet filed, lets through): counts, the resources
 * covered or maybe covered, and what limits the answer.
 */
export function CoverageSummary({ report }: { report: CoverageReport }) {
  const { items, notCovered, kinds, namespaces, notes } = report;
  return (
    <>
      <p>
        {items.filter((i) => i.covered === true).length} covered,{' '}
        {items.filter((i) => i.covered === 'unknown').length} unknown, {notCovered} not covered — read{' '}
        {kinds.join(', ') || 'no kind'} in {namespaces.length ? namespaces.join(', ') : 'every namespace'}.
      </p>
      {items.length > 0 && (
        <DataTable
          rows={items}
          rowKey={(i) => `${i.resource.kind}/${i.resource.namespace}/${i.resource.name}/${i.rule}`}
          columns={[
            {
              header: 'Resource',
              cell: (i) => `${i.resource.kind} ${i.resource.namespace}/${i.resource.name}`,
            },
            // A CEL policy's exception has no rule: the policy stands for it.
            { header: 'Rule', cell: (i) => i.rule || i.policy },
            { header: 'Covered', cell: (i) => (i.covered === true ? 'yes' : 'unknown') },
            { header: 'Why', cell: (i) => i.why },
            { header: 'Without the exception', cell: (i) => withoutLine(i.withoutException) },
          ]}
        />
      )}
      {notes.map((n) => (
        <p key={n} className="muted">
          Note: {n}
        </p>
      ))}
    </>
  );
}
