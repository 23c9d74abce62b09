import type { Success } from '../api/client';
import { useSession } from '../auth/session';
import { DataTable } from '../components/data-table';
import { Empty, ErrorNote, Loading } from '../components/status';
import { Time } from '../components/time';
import { useAsync } from '../components/use-async';
import { formText, href } from '../route';

type Violation = Success<'/api/v1/violations', 'get'>['items'][number];

const resourceText = (v: Violation) =>
  `${v.resource.kind}/${v.resource.namespace ? `${v.resource.namespace}/` : ''}${v.resource.name}`;

function Covered({ v }: { v: Violation }) {
  if (v.covered === true)
    return (
      <span className="badge state-active">
        covered by {[...new Set(v.rules.flatMap((r) => r.exceptions))].join(', ')}
      </span>
    );
  if (v.covered === 'unknown') return <span className="warning">maybe covered</span>;
  return <span>{v.rules.some((r) => r.covered !== false) ? 'partly covered' : 'not covered'}</span>;
}

/**
 * What fails in the clusters' policy reports, by resource and policy: each row leads to a request drafted
 * from it, so nobody retypes what the cluster knows. Filters live in the URL, shareable.
 */
export function ViolationsPage({ query }: { query: URLSearchParams }) {
  const { api, can } = useSession();
  const namespace = query.get('namespace') ?? '';
  const policy = query.get('policy') ?? '';
  const target = query.get('target') ?? '';
  const filter = {
    ...(namespace ? { namespace } : {}),
    ...(policy ? { policy } : {}),
    ...(target ? { target } : {}),
  };
  const found = useAsync(
    () => api.get('/api/v1/violations', { query: filter }),
    [api, namespace, policy, target],
  );
  const requester = can('requester');
  return (
    <>
      <form
        className="filters"
        aria-label="Filter violations"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          window.location.hash = href('/violations', {
            namespace: formText(data, 'namespace'),
            policy: formText(data, 'policy'),
            target: formText(data, 'target'),
          });
        }}
      >
        <label>
          Namespace
          <input name="namespace" defaultValue={namespace} key={`n-${namespace}`} placeholder="payments" />
        </label>
        <label>
          Policy
          <input name="policy" defaultValue={policy} key={`p-${policy}`} />
        </label>
        <label>
          Target
          <input name="target" defaultValue={target} key={`t-${target}`} placeholder="every cluster" />
        </label>
        <button type="submit">Filter</button>
      </form>
      {found.error !== undefined && <ErrorNote error={found.error} />}
      {found.loading && !found.data && <Loading what="violations" />}
      {found.data?.notes.map((note) => (
        <p key={note} className="muted">
          {note}
        </p>
      ))}
      {found.data &&
        (found.data.items.length === 0 ? (
          <Empty>
            No policy report shows a failing result{namespace || policy || target ? ' for these filters' : ''}
            .
          </Empty>
        ) : (
          <DataTable
            rows={found.data.items}
            caption={`${found.data.items.length} resource and policy pairs failing`}
            rowKey={(v) => `${v.target}/${resourceText(v)}/${v.policy}`}
            columns={[
              { header: 'Resource', cell: (v) => resourceText(v) },
              { header: 'Owner', cell: (v) => (v.owner ? `${v.owner.kind}/${v.owner.name}` : '—') },
              { header: 'Policy', cell: (v) => v.policy },
              {
                header: 'Rules',
                cell: (v) =>
                  v.rules.map((r) => (r.result === 'error' ? `${r.rule} (error)` : r.rule || '—')).join(', '),
              },
              {
                header: 'Message',
                cell: (v) => (
                  <ul>
                    {v.rules.map((r) => (
                      <li key={r.rule}>{r.message}</li>
                    ))}
                  </ul>
                ),
              },
              { header: 'Last seen', cell: (v) => <Time iso={v.lastSeen} relative /> },
              { header: 'Covered', cell: (v) => <Covered v={v} /> },
              {
                header: 'Action',
                cell: (v) =>
                  requester && v.covered !== true ? (
                    <a
                      href={href('/request', {
                        fromViolation: resourceText(v),
                        policy: v.policy,
                        target: v.target,
                      })}
                    >
                      Request an exception
                    </a>
                  ) : (
                    <span className="muted">—</span>
                  ),
              },
            ]}
          />
        ))}
    </>
  );
}
