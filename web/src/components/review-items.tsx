import type { Success } from '../api/client';
import { href } from '../route';
import { Empty } from './status';

type Item = Success<'/api/v1/review', 'get'>['items'][number];

const queueNames: Record<Item['queue'], string> = {
  approve: 'To approve',
  apply: 'To apply',
  decide: 'To decide before expiry',
  escalated: 'Escalated',
  revoke: 'To revoke',
  remove: 'To remove',
};

const age = (seconds: number) =>
  seconds >= 86_400
    ? `${Math.floor(seconds / 86_400)} d`
    : seconds >= 3600
      ? `${Math.floor(seconds / 3600)} h`
      : `${Math.floor(seconds / 60)} min`;

/** The review queue: what waits for the signed-in user, queue by queue, oldest first. */
export function ReviewItems({ items }: { items: readonly Item[] }) {
  if (items.length === 0) return <Empty>Nothing waits for you.</Empty>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Exception</th>
            <th scope="col">Namespaces</th>
            <th scope="col">Waiting</th>
            <th scope="col">Renewals</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={`${i.queue}-${i.id}`}>
              <td>{queueNames[i.queue]}</td>
              <td>
                <a href={href(`/exceptions/${i.id}`)}>{i.id}</a> {i.name}
              </td>
              <td>{i.namespaces.join(', ')}</td>
              <td>{age(i.ageSeconds)}</td>
              <td>{i.renewalCount}</td>
              <td>{i.why}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
