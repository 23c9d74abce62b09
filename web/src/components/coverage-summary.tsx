import type { Success } from '../api/client';

export type CoverageReport = Success<'/api/v1/covers', 'post'>;

/** A coverage report as counts, the resources covered (or maybe) and what limits the answer. */
export function CoverageSummary({ report }: { report: CoverageReport }) {
  return (
    <>
      <p>
        {report.items.filter((i) => i.covered === true).length} covered,{' '}
        {report.items.filter((i) => i.covered === 'unknown').length} unknown, {report.notCovered} not covered
        — read {report.kinds.join(', ') || 'no kind'} in{' '}
        {report.namespaces.length ? report.namespaces.join(', ') : 'every namespace'}.
      </p>
      {report.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Rule</th>
                <th scope="col">Covered</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {report.items.map((i) => (
                <tr key={`${i.resource.kind}/${i.resource.namespace}/${i.resource.name}/${i.rule}`}>
                  <td>
                    {i.resource.kind} {i.resource.namespace}/{i.resource.name}
                  </td>
                  <td>{i.rule || i.policy}</td>
                  <td>{i.covered === true ? 'yes' : 'unknown'}</td>
                  <td>{i.why}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {report.notes.map((n) => (
        <p key={n} className="muted">
          Note: {n}
        </p>
      ))}
    </>
  );
}
