import type { Success } from '../api/client';
import { href } from '../route';
import { DataTable } from './data-table';
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
    <DataTable
      rows={items}
      rowKey={(i) => `${i.queue}-${i.id}`}
      columns={[
        { header: 'Queue', cell: (i) => queueNames[i.queue] },
        {
          header: 'Exception',
          cell: (i) => (
            <>
              <a href={href(`/exceptions/${i.id}`)}>{i.id}</a> {i.name}
            </>
          ),
        },
        { header: 'Namespaces', cell: (i) => i.namespaces.join(', ') },
        { header: 'Waiting', cell: (i) => age(i.ageSeconds) },
        { header: 'Renewals', cell: (i) => i.renewalCount },
        { header: 'Why', cell: (i) => i.why },
      ]}
    />
  );
}
