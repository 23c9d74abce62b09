import { useSession } from '../auth/session';
import { ErrorNote, Loading } from './status';
import { useAsync } from './use-async';

/**
 * What an exception lets through in the cluster now, matched as Kyverno's engine matches: the reviewer
 * sees exactly what approving exempts. Without a cluster, the server's refusal says so.
 */
export function BlastRadius({ id, level }: { id: string; level: 2 | 4 }) {
  const { api } = useSession();
  const report = useAsync(() => api.get('/api/v1/exceptions/{id}/covers', { path: { id } }), [api, id]);
  const headingId = `blast-${id}`;
  return (
    <section className="blast-radius" aria-labelledby={headingId}>
      {level === 2 ? (
        <h2 id={headingId}>What it lets through now</h2>
      ) : (
        <h4 id={headingId}>What it lets through now</h4>
      )}
      {report.loading && !report.data && <Loading what="the resources it covers" />}
      {report.error !== undefined && <ErrorNote error={report.error} />}
      {report.data && (
        <>
          <p>
            {report.data.items.filter((i) => i.covered === true).length} covered,{' '}
            {report.data.items.filter((i) => i.covered === 'unknown').length} unknown,{' '}
            {report.data.notCovered} not covered — read {report.data.kinds.join(', ') || 'no kind'} in{' '}
            {report.data.namespaces.length ? report.data.namespaces.join(', ') : 'every namespace'}.
          </p>
          {report.data.items.length > 0 && (
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
                  {report.data.items.map((i) => (
                    <tr key={`${i.resource.kind}/${i.resource.namespace}/${i.resource.name}/${i.rule}`}>
                      <td>
                        {i.resource.kind} {i.resource.namespace}/{i.resource.name}
                      </td>
                      <td>{i.rule}</td>
                      <td>{i.covered === true ? 'yes' : 'unknown'}</td>
                      <td>{i.why}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {report.data.notes.map((n) => (
            <p key={n} className="muted">
              Note: {n}
            </p>
          ))}
        </>
      )}
    </section>
  );
}
