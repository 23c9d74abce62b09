import { useState } from 'react';
import { periodText, reportSections, type AuditReport } from '../../../src/domain/audit-report';
import { useSession } from '../auth/session';
import { inViewersZone } from '../components/local-time';
import { ErrorNote, Loading } from '../components/status';
import { TrendChart } from '../components/trend-chart';
import { useAsync } from '../components/use-async';
import { formText, href } from '../route';

/** What the page offers to take away: the report in each format, and the OSCAL documents of the period. */
const downloads = [
  {
    label: 'Markdown',
    path: '/api/v1/report',
    query: { format: 'md' },
    file: 'waiver-report.md',
    type: 'text/markdown',
  },
  {
    label: 'HTML',
    path: '/api/v1/report',
    query: { format: 'html' },
    file: 'waiver-report.html',
    type: 'text/html',
  },
  {
    label: 'JSON',
    path: '/api/v1/report',
    query: { format: 'json' },
    file: 'waiver-report.json',
    type: 'application/json',
  },
  {
    label: 'OSCAL POA&M',
    path: '/api/v1/export/oscal',
    query: { model: 'poam' },
    file: 'waiver-poam.json',
    type: 'application/json',
  },
  {
    label: 'OSCAL assessment results',
    path: '/api/v1/export/oscal',
    query: { model: 'assessment-results' },
    file: 'waiver-assessment-results.json',
    type: 'application/json',
  },
] as const;

const isoOf = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

/**
 * The audit report of a period, as a page that prints: the same sections as `waiver report`, the weekly
 * trend, and the documents to take away. Downloads go through the signed-in client (the token is a
 * header, never a URL), then are handed to the browser as a file.
 */
export function ReportPage({ query }: { query: URLSearchParams }) {
  const { api, can } = useSession();
  const picked = { from: query.get('from') ?? '', to: query.get('to') ?? '' };
  const period = { from: isoOf(picked.from), to: isoOf(picked.to) };
  const report = useAsync(async () => {
    const data = await api.get('/api/v1/report', { query: { ...period, format: 'json' } });
    // The server's AuditReport, as its schema describes it.
    return { report: data as AuditReport, generatedAt: new Date().toISOString() };
  }, [api, picked.from, picked.to]);
  const [failed, setFailed] = useState<unknown>();
  const save = async (file: string, load: () => Promise<Blob>) => {
    try {
      setFailed(undefined);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(await load());
      link.download = file;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (e) {
      setFailed(e);
    }
  };
  const download = (d: (typeof downloads)[number]) =>
    save(d.file, async () => {
      const search = new URLSearchParams(d.query);
      for (const [k, v] of Object.entries(period)) if (v) search.set(k, v);
      return new Blob([await api.text(`${d.path}?${search.toString()}`)], { type: d.type });
    });
  return (
    <div className="report">
      <form
        className="filters no-print"
        aria-label="Report period"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          window.location.hash = href('/report', { from: formText(data, 'from'), to: formText(data, 'to') });
        }}
      >
        <label>
          From
          <input type="datetime-local" name="from" defaultValue={picked.from} key={`f-${picked.from}`} />
        </label>
        <label>
          To
          <input type="datetime-local" name="to" defaultValue={picked.to} key={`t-${picked.to}`} />
        </label>
        <button type="submit">Show</button>
        <button type="button" className="secondary" onClick={() => window.print()}>
          Print
        </button>
      </form>
      <section className="no-print" aria-labelledby="downloads">
        <h2 id="downloads">Download</h2>
        <ul className="downloads">
          {downloads.map((d) => (
            <li key={d.file}>
              <button type="button" className="secondary" onClick={() => void download(d)}>
                {d.label}
              </button>
            </li>
          ))}
          {can('auditor') && (
            <li>
              <button
                type="button"
                className="secondary"
                onClick={() => void save('waiver-evidence.tar.gz', () => api.blob('/api/v1/audit/bundle'))}
              >
                Signed evidence bundle
              </button>
            </li>
          )}
        </ul>
        {failed !== undefined && <ErrorNote error={failed} />}
      </section>
      {report.loading && <Loading what="the report" />}
      {report.error !== undefined && <ErrorNote error={report.error} />}
      {report.data && <ReportBody report={report.data.report} generatedAt={report.data.generatedAt} />}
    </div>
  );
}

function ReportBody({ report, generatedAt }: { report: AuditReport; generatedAt: string }) {
  const m = report.metrics;
  return (
    <>
      <p className="report-head">
        Period: <span data-figure="period">{periodText(report.period)}</span>. Generated{' '}
        <time dateTime={generatedAt}>{inViewersZone(Date.parse(generatedAt))}</time>.
      </p>
      {reportSections(report).map((s, i) => {
        const id = `report-section-${i}`;
        return (
          <section key={s.title} className="report-section" aria-labelledby={id}>
            <h2 id={id}>{s.title}</h2>
            {s.rows.length === 0 ? (
              <p className="empty">None in this period.</p>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      {s.head.map((h) => (
                        <th key={h} scope="col">
                          {h}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {s.rows.map((row) => (
                      <tr key={row.join('\u0000')}>
                        {row.map((cell, j) => (
                          <td key={s.head[j] ?? j}>{cell}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {s.note && <p className="help">{s.note}</p>}
            {i === 0 && <TrendChart weeks={m.trend.weeks} weekly={m.trend.weekly} slope={m.trend.slope} />}
          </section>
        );
      })}
    </>
  );
}
