import type { Success } from '../api/client';
import { href } from '../route';
import { endedStates } from '../shell';
import { DataTable } from './data-table';
import { Time } from './time';

export type ExceptionView = Success<'/api/v1/exceptions/{id}', 'get'>;

/** Exceptions as rows: each links to its page; a live one's expiry counts down. */
export function ExceptionTable({ items, caption }: { items: readonly ExceptionView[]; caption?: string }) {
  const now = Date.now();
  return (
    <DataTable
      rows={items}
      rowKey={(e) => e.id}
      caption={caption}
      columns={[
        { header: 'ID', cell: (e) => <a href={href(`/exceptions/${e.id}`)}>{e.id}</a> },
        { header: 'Name', cell: (e) => e.name },
        { header: 'State', cell: (e) => <StateBadge state={e.state} endReason={e.endReason} /> },
        { header: 'Namespaces', cell: (e) => e.namespaces.join(', ') },
        { header: 'Policy', cell: (e) => e.policy },
        { header: 'Category', cell: (e) => e.category },
        {
          header: 'Expires',
          cell: (e) =>
            endedStates.includes(e.state) ? (
              <span className="muted">ended</span>
            ) : (
              <Time iso={e.expiresAt} relative now={now} />
            ),
        },
        { header: 'Sync', cell: (e) => e.syncStatus },
        { header: 'Target', cell: (e) => e.target },
      ]}
    />
  );
}

export function StateBadge({ state, endReason }: { state: string; endReason?: string | null }) {
  return (
    <>
      <span className={`badge state-${state}`}>{state}</span>
      {state === 'removed' && endReason && <span className="muted"> ({endReason})</span>}
    </>
  );
}
