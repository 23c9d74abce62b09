import type { Success } from '../api/client';
import { useSession } from '../auth/session';
import { expiringSoonQuery } from '../first-calls';
import { ExceptionTable } from '../components/exception-table';
import { ReviewItems } from '../components/review-items';
import { Empty, ErrorNote, Loading } from '../components/status';
import { TrendChart } from '../components/trend-chart';
import { useAsync } from '../components/use-async';
import { href } from '../route';
import { TREND_HISTORY_RULE } from '../../../src/domain/trend-history';

type Metrics = Success<'/api/v1/metrics/summary', 'get'>;

const percent = (v: number | null) => (v === null ? 'no data yet' : `${Math.round(v * 100)}%`);
const days = (v: number | null) => (v === null ? 'no data yet' : `${v.toFixed(1)} days`);

export function DashboardPage() {
  const { api, targets } = useSession();
  const metrics = useAsync(
    () => api.get('/api/v1/metrics/summary'),
    [api],
    () => api.arrived('/api/v1/metrics/summary'),
  );
  const expiring = useAsync(
    () => api.get('/api/v1/exceptions', { query: expiringSoonQuery }),
    [api],
    () => api.arrived('/api/v1/exceptions', { query: expiringSoonQuery }),
  );
  const review = useAsync(
    () => api.get('/api/v1/review'),
    [api],
    () => api.arrived('/api/v1/review'),
  );
  // Only a target that can be read back (a cluster, a Git repository) has unmanaged exceptions to find.
  const observable = targets.some((t) => t.observable);
  return (
    <div className="dashboard">
      {metrics.loading && <Loading what="the metrics" />}
      {metrics.error !== undefined && <ErrorNote error={metrics.error} />}
      {metrics.data && <MetricsCards m={metrics.data} />}
      <section aria-labelledby="expiring">
        <h2 id="expiring">Expiring in the next 7 days</h2>
        {expiring.loading && <Loading what="expiring exceptions" />}
        {expiring.error !== undefined && <ErrorNote error={expiring.error} />}
        {expiring.data &&
          (expiring.data.items.length ? (
            <ExceptionTable items={expiring.data.items} />
          ) : (
            <Empty>Nothing expires in the next 7 days.</Empty>
          ))}
      </section>
      <section aria-labelledby="waits">
        <h2 id="waits">What waits for me</h2>
        {review.loading && <Loading what="your queue" />}
        {review.error !== undefined && <ErrorNote error={review.error} />}
        {review.data && <ReviewItems items={review.data.items} />}
      </section>
      {observable && <Unmanaged />}
    </div>
  );
}

function Unmanaged() {
  const { api } = useSession();
  const unmanaged = useAsync(() => api.get('/api/v1/unmanaged'), [api]);
  return (
    <section aria-labelledby="unmanaged">
      <h2 id="unmanaged">Unmanaged exceptions</h2>
      {unmanaged.loading && <Loading what="the targets' exceptions" />}
      {unmanaged.error !== undefined && <ErrorNote error={unmanaged.error} />}
      {unmanaged.data &&
        (unmanaged.data.items.length ? (
          <ul>
            {unmanaged.data.items.map((u) => (
              <li key={u.uid}>
                {u.namespace}/{u.name} ({u.policies.join(', ')})
                {!u.inExceptionNamespace && ' — outside the exception namespace, ignored by Kyverno'}
              </li>
            ))}
          </ul>
        ) : (
          <Empty>None: every PolicyException came through Waiver.</Empty>
        ))}
    </section>
  );
}

function MetricsCards({ m }: { m: Metrics }) {
  const t = m.targets;
  const cards = [
    {
      label: 'Active exceptions',
      value: String(m.activeExceptions),
      // Judged by the domain's rule, as the CLI and /metrics' red flag judge it: before the history it
      // needs, a slope is shown but neither on nor off target.
      note:
        `trend ${m.trend.slope >= 0 ? '+' : ''}${m.trend.slope.toFixed(2)} a week` +
        (t.trend.value === null ? ` (judged once ${TREND_HISTORY_RULE})` : ''),
      meets: t.trend.meets,
      measured: t.trend.value !== null,
    },
    {
      label: 'Average duration',
      value: days(m.averageDurationDays),
      note: `target < ${t.averageDurationDays.target} days`,
      meets: t.averageDurationDays.meets,
      measured: m.averageDurationDays !== null,
    },
    {
      label: 'Expired exceptions removed',
      value: percent(m.expiredRemovedRate),
      note: `target ${percent(t.expiredRemovedRate.target)}${
        m.removalLatency.medianSeconds === null
          ? ''
          : `; median removal ${Math.round(m.removalLatency.medianSeconds / 60)} min`
      }`,
      meets: t.expiredRemovedRate.meets,
      measured: m.expiredRemovedRate !== null,
    },
    {
      label: 'Renewal rate',
      value: percent(m.renewalRate),
      note: `target < ${percent(t.renewalRate.target)}`,
      meets: t.renewalRate.meets,
      measured: m.renewalRate !== null,
    },
  ];
  return (
    <>
      {m.redFlag && (
        <p className="banner" role="alert">
          Red flag: the number of exceptions is rising. Exceptions should decrease over time.
        </p>
      )}
      {m.removalLatency.warning && <p className="warning">{m.removalLatency.warning}</p>}
      <ul className="cards" aria-label="Process metrics">
        {cards.map((c) => (
          // Nothing measured yet is neither on nor off target.
          <li key={c.label} className={`card${c.measured ? (c.meets ? ' ok' : ' off') : ''}`}>
            <span className="card-label">{c.label}</span>
            <span className="card-value">{c.value}</span>
            <span className="card-note">
              {c.measured ? `${c.note} — ${c.meets ? 'on target' : 'off target'}` : c.note}
            </span>
          </li>
        ))}
      </ul>
      <section aria-labelledby="trend">
        <h2 id="trend">Active exceptions per week</h2>
        <TrendChart weeks={m.trend.weeks} weekly={m.trend.weekly} slope={m.trend.slope} />
        <p className="help">
          <a href={href('/exceptions', { state: 'active' })}>All active exceptions</a>
        </p>
      </section>
    </>
  );
}
