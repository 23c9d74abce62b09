import { useSession } from '../auth/session';
import { readsCluster } from './blast-radius';
import { ErrorNote, Loading } from './status';
import { useAsync } from './use-async';

/**
 * Is the exception still needed: each resource it covers in the cluster now, and whether its policy
 * would fail it without the exception; flagged when every one would pass. Only an exception in effect on
 * a cluster target is asked about.
 */
export function StillNeeded({ id, target }: { id: string; target: string }) {
  const { targets } = useSession();
  if (!readsCluster(targets, target)) return null;
  return (
    <section className="still-needed" aria-labelledby={`still-needed-${id}`}>
      <h2 id={`still-needed-${id}`}>Still needed?</h2>
      <Verdicts id={id} />
    </section>
  );
}

const where = (r: { kind: string; namespace: string; name: string }) =>
  `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

function Verdicts({ id }: { id: string }) {
  const { api } = useSession();
  const evidence = useAsync(() => api.get('/api/v1/exceptions/{id}/evidence', { path: { id } }), [api, id]);
  if (evidence.loading && !evidence.data) return <Loading what="whether it is still needed" />;
  if (evidence.error !== undefined) return <ErrorNote error={evidence.error} />;
  if (!evidence.data) return null;
  const { flags, withoutException } = evidence.data;
  const flag = flags.find((f) => f.flag === 'no-longer-needed');
  return (
    <>
      {flag ? (
        <p className="warning" role="status" data-flag="no-longer-needed">
          <strong>No longer needed:</strong> {flag.why}
        </p>
      ) : (
        <p>
          {withoutException.length === 0
            ? 'It covers no resource in the cluster now.'
            : `${withoutException.filter((x) => x.verdict === 'would-pass').length} of the ${withoutException.length} resource(s) it covers would pass without it.`}
        </p>
      )}
      {withoutException.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Resource</th>
              <th scope="col">Policy / rule</th>
              <th scope="col">Without the exception</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {withoutException.map((x) => (
              <tr key={`${where(x.resource)} ${x.policy} ${x.rule}`}>
                <td>{where(x.resource)}</td>
                <td>{x.rule ? `${x.policy} / ${x.rule}` : x.policy}</td>
                <td>{x.verdict}</td>
                <td>{x.why}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
