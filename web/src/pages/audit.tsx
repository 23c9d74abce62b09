import { useState } from 'react';
import { useSession } from '../auth/session';
import { DataTable } from '../components/data-table';
import { Pager, usePages } from '../components/pager';
import { Empty, ErrorNote, Loading } from '../components/status';
import { Time } from '../components/time';
import { useAsync } from '../components/use-async';
import { formText, href } from '../route';

const PAGE = 100;

/** The audit trail: filters in the URL, the hash chain's verdict, and a CSV export of what is filtered. */
export function AuditPage({ query }: { query: URLSearchParams }) {
  const { api } = useSession();
  const filter = {
    action: query.get('action') ?? '',
    actor: query.get('actor') ?? '',
    exception: query.get('exception') ?? '',
    since: query.get('since') ?? '',
    until: query.get('until') ?? '',
  };
  const pages = usePages();
  const cursor = pages.cursor;
  const params = {
    action: (filter.action || undefined) as never,
    actor: filter.actor || undefined,
    exception: filter.exception || undefined,
    since: filter.since ? new Date(filter.since).toISOString() : undefined,
    until: filter.until ? new Date(filter.until).toISOString() : undefined,
  };
  const page = useAsync(
    () => api.get('/api/v1/audit', { query: { ...params, limit: PAGE, continue: cursor } }),
    [api, JSON.stringify(filter), cursor],
  );
  const verify = useAsync(() => api.get('/api/v1/audit/verify'), [api]);
  const [exporting, setExporting] = useState<unknown>();
  const exportCsv = async () => {
    try {
      const search = new URLSearchParams({ format: 'csv' });
      for (const [k, v] of Object.entries(params)) if (v) search.set(k, String(v));
      const csv = await api.text(`/api/v1/audit?${search.toString()}`);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      link.download = 'waiver-audit.csv';
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (e) {
      setExporting(e);
    }
  };
  return (
    <>
      <p className={verify.data ? 'ok-note' : ''} role="status">
        {verify.loading && 'Verifying the hash chain…'}
        {verify.data &&
          `The hash chain is intact: ${verify.data.events} events verified, every exception and token row matches its trail.`}
      </p>
      {verify.error !== undefined && <ErrorNote error={verify.error} />}
      <form
        className="filters"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          pages.reset();
          window.location.hash = href(
            '/audit',
            Object.fromEntries(
              ['action', 'actor', 'exception', 'since', 'until'].map((k) => [k, formText(data, k)]),
            ),
          );
        }}
      >
        <label>
          Action
          <input
            name="action"
            defaultValue={filter.action}
            key={`a-${filter.action}`}
            placeholder="approved"
          />
        </label>
        <label>
          Actor
          <input name="actor" defaultValue={filter.actor} key={`b-${filter.actor}`} />
        </label>
        <label>
          Exception
          <input
            name="exception"
            defaultValue={filter.exception}
            key={`c-${filter.exception}`}
            placeholder="EX-42"
          />
        </label>
        <label>
          From
          <input type="datetime-local" name="since" defaultValue={filter.since} key={`d-${filter.since}`} />
        </label>
        <label>
          Until
          <input type="datetime-local" name="until" defaultValue={filter.until} key={`e-${filter.until}`} />
        </label>
        <button type="submit">Filter</button>
        <button type="button" className="secondary" onClick={() => void exportCsv()}>
          Export CSV
        </button>
      </form>
      {exporting !== undefined && <ErrorNote error={exporting} />}
      {page.error !== undefined && <ErrorNote error={page.error} />}
      {page.loading && !page.data && <Loading what="the audit log" />}
      {page.data &&
        (page.data.items.length === 0 ? (
          <Empty>No event matches these filters.</Empty>
        ) : (
          <DataTable
            rows={page.data.items}
            rowKey={(e) => e.seq}
            columns={[
              { header: '#', cell: (e) => e.seq },
              { header: 'When', cell: (e) => <Time iso={e.at} /> },
              { header: 'Actor', cell: (e) => e.actor },
              { header: 'Action', cell: (e) => e.action },
              {
                header: 'Exception',
                cell: (e) =>
                  e.exceptionId === null ? (
                    '—'
                  ) : (
                    <a href={href(`/exceptions/EX-${e.exceptionId}`)}>EX-{e.exceptionId}</a>
                  ),
              },
              { header: 'Details', cell: (e) => details(e.data), className: 'details' },
            ]}
          />
        ))}
      <Pager label="Pages of the audit log" pages={pages} next={page.data?.continue} />
    </>
  );
}

const details = (data: Record<string, unknown>): string =>
  Object.entries(data)
    .filter(([k]) => k !== 'record')
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('; ');
