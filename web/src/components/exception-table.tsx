import type { Success } from '../api/client';
import { href } from '../route';
import { Time } from './time';

export type ExceptionView = Success<'/api/v1/exceptions/{id}', 'get'>;

/** Exceptions as rows: each links to its page; the expiry counts down. */
export function ExceptionTable({ items, caption }: { items: readonly ExceptionView[]; caption?: string }) {
  const now = Date.now();
  return (
    <div className="table-wrap">
      <table>
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>
            <th scope="col">ID</th>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Namespaces</th>
            <th scope="col">Policy</th>
            <th scope="col">Category</th>
            <th scope="col">Expires</th>
            <th scope="col">Sync</th>
            <th scope="col">Target</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => (
            <tr key={e.id}>
              <td>
                <a href={href(`/exceptions/${e.id}`)}>{e.id}</a>
              </td>
              <td>{e.name}</td>
              <td>
                <StateBadge state={e.state} />
              </td>
              <td>{e.namespaces.join(', ')}</td>
              <td>{e.policy}</td>
              <td>{e.category}</td>
              <td>
                <Time
                  iso={e.expiresAt}
                  relative={e.state === 'active' || e.state === 'approved' || e.state === 'pending'}
                  now={now}
                />
              </td>
              <td>{e.syncStatus}</td>
              <td>{e.target}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function StateBadge({ state }: { state: string }) {
  return <span className={`badge state-${state}`}>{state}</span>;
}
