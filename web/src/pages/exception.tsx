import { useState } from 'react';
import { ApiError } from '../api/client';
import { useSession } from '../auth/session';
import { BlastRadius } from '../components/blast-radius';
import { allowedActions, needsComment, type Verb } from '../components/allowed-actions';
import { StateBadge, type ExceptionView } from '../components/exception-table';
import { afterAction, endingOf, isDestructive, type Ending } from '../components/lifecycle-words';
import { ErrorNote, Loading } from '../components/status';
import { StillNeeded } from '../components/still-needed';
import { Time } from '../components/time';
import { useAsync } from '../components/use-async';
import { href } from '../route';
import { formatRisk } from '../../../src/domain/controls';
import { exemptionRows } from '../components/exemptions';
import { lastWriteOf } from '../../../src/domain/last-write';
import { Validations } from '../components/validations';

const labels: Record<Verb, string> = {
  approve: 'Approve',
  reject: 'Reject',
  withdraw: 'Withdraw',
  apply: 'Apply',
  revoke: 'Revoke',
  escalate: 'Escalate',
  renew: 'Renew',
};

/** One exception: its facts, what may be done now, its audit timeline and its manifest. */
export function ExceptionPage({ id }: { id: string }) {
  const { api } = useSession();
  const detail = useAsync(() => api.get('/api/v1/exceptions/{id}/history', { path: { id } }), [api, id]);
  const manifest = useAsync(
    () => api.text(`/api/v1/exceptions/${encodeURIComponent(id)}/manifest`),
    [api, id],
  );
  if (detail.loading && !detail.data) return <Loading what={id} />;
  if (detail.error !== undefined) return <ErrorNote error={detail.error} />;
  if (!detail.data) return null;
  const { exception: x, history } = detail.data;
  return (
    <div className="detail">
      <Facts x={x} ending={endingOf(x, history)} />
      <Actions
        x={x}
        onDone={() => {
          detail.reload();
          manifest.reload();
        }}
      />
      {['pending', 'approved', 'active'].includes(x.state) && (
        <BlastRadius id={x.id} target={x.target} level={2} />
      )}
      {x.state === 'active' && <StillNeeded id={x.id} target={x.target} />}
      <section aria-labelledby="timeline">
        <h2 id="timeline">Audit timeline</h2>
        <ol className="timeline">
          {history.map((e) => (
            <li key={e.seq}>
              <Time iso={e.at} /> <strong>{e.action}</strong> by {e.actor}
              {typeof e.data['comment'] === 'string' && <span>: “{e.data['comment']}”</span>}
              {typeof e.data['error'] === 'string' && <span className="error-text">: {e.data['error']}</span>}
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="manifest">
        <h2 id="manifest">PolicyException manifest</h2>
        {manifest.error !== undefined && <ErrorNote error={manifest.error} />}
        {manifest.data && (
          <pre className="yaml" tabIndex={0} aria-label="The manifest as YAML">
            {manifest.data}
          </pre>
        )}
      </section>
    </div>
  );
}

/** The commit or resourceVersion last written, and a pull request carrying the change (a link). */
function lastWrite(x: ExceptionView): React.ReactNode {
  const { revision, proposal } = lastWriteOf(x);
  // Only a web address becomes a link: the forge's answer is not trusted with a javascript: URL.
  if (!proposal || !/^https?:\/\//.test(proposal.url)) return revision ?? proposal?.url ?? '—';
  return (
    <>
      {revision && `${revision}, `}
      <a href={proposal.url} rel="noreferrer noopener" target="_blank">
        {proposal.label}
      </a>
    </>
  );
}

/** How it ended, by whom and when, and the reason given (a rejection's or revocation's comment). */
function ended(e: Ending): React.ReactNode {
  return (
    <>
      {e.how} by {e.by}, <Time iso={e.at || null} />
      {e.comment && <>: “{e.comment}”</>}
    </>
  );
}

function Facts({ x, ending }: { x: ExceptionView; ending: Ending | undefined }) {
  const expiry: [string, React.ReactNode][] = ending
    ? [
        ['Ended', ended(ending)],
        [
          x.state === 'removed' && x.endReason !== 'expired' ? 'Was to expire' : 'Expiry',
          <Time key="e" iso={x.expiresAt} />,
        ],
      ]
    : [['Expires', <Time key="e" iso={x.expiresAt} relative />]];
  const rows: [string, React.ReactNode][] = [
    ['State', <StateBadge key="s" state={x.state} endReason={x.endReason} />],
    ...expiry,
    ['Name', x.name],
    ['Policy / rules', `${x.policy} / ${x.rules.join(', ')}`],
    ['Namespaces', x.namespaces.join(', ')],
    ['Kinds', x.kinds.join(', ')],
    ['Names', x.names.join(', ')],
    ...exemptionRows(x),
    ['Category', x.category],
    ['Ticket', x.ticket],
    ['Reason', x.reason],
    ['Risk assessment', x.riskAssessment ?? '—'],
    ['Risk before compensating controls', x.riskRating ? formatRisk(x.riskRating.before) : '—'],
    ['Risk after compensating controls', x.riskRating?.after ? formatRisk(x.riskRating.after) : '—'],
    ['Compensating controls', x.compensatingControls ?? '—'],
    ...(x.validations.length
      ? [
          [
            'Validations Kyverno checks before it grants it',
            <Validations key="v" items={x.validations} />,
          ] as [string, React.ReactNode],
        ]
      : []),
    ...(x.falsePositive ? [['Stated false positive', x.falsePositive] as [string, React.ReactNode]] : []),
    ['Controls', x.controls.length ? x.controls.map((c) => `${c.catalog} ${c.id}`).join(', ') : '—'],
    ...(x.closureReason ? [['Closure', x.closureReason] as [string, React.ReactNode]] : []),
    ['Requested by', x.requestor],
    ['Approved by (risk accepted)', x.approver ?? '—'],
    ['Applied by', x.applier ?? '—'],
    ['Target', x.target],
    ['Sync', `${x.syncStatus}${x.syncError ? `: ${x.syncError}` : ''}`],
    ['Last write', lastWrite(x)],
    ['Renewals', `${x.renewalCount}${x.renewalOf ? ` (renews ${x.renewalOf})` : ''}`],
  ];
  return (
    <dl className="facts">
      {rows.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
      {x.renewalOf && (
        <div>
          <dt>Renewal of</dt>
          <dd>
            <a href={href(`/exceptions/${x.renewalOf}`)}>{x.renewalOf}</a>
          </dd>
        </div>
      )}
    </dl>
  );
}

function Actions({ x, onDone }: { x: ExceptionView; onDone: () => void }) {
  const { api, me, settings } = useSession();
  const verbs = allowedActions(x, me, settings.requireDistinctApplier, settings.identitiesIgnoreCase);
  const [open, setOpen] = useState<Verb | undefined>();
  const [comment, setComment] = useState('');
  const [reason, setReason] = useState('');
  const [expires, setExpires] = useState('14d');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string | undefined>();
  if (verbs.length === 0 && !done) return null;
  const run = async (verb: Verb) => {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      if (verb === 'renew') {
        const { exception } = await api.post('/api/v1/exceptions/{id}/renew', {
          path: { id: x.id },
          body: { reason, expires },
        });
        setDone(afterAction(verb, x, settings.requireDistinctApplier, exception.id));
        window.location.hash = href(`/exceptions/${exception.id}`);
      } else {
        await api.post(`/api/v1/exceptions/{id}/${verb}` as '/api/v1/exceptions/{id}/approve', {
          path: { id: x.id },
          body: comment.trim() ? { comment: comment.trim() } : {},
        });
        setDone(afterAction(verb, x, settings.requireDistinctApplier));
      }
      setOpen(undefined);
      setComment('');
      onDone();
    } catch (e) {
      setError(e);
      // The change stands when only the target write failed (the sweep retries it): show it.
      if (e instanceof ApiError && e.code === 'target') onDone();
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (field: string) =>
    error instanceof ApiError && error.field === field ? error : undefined;
  return (
    <section aria-labelledby="actions">
      <h2 id="actions">Actions</h2>
      {done && (
        <p className="done" role="status">
          {done}
        </p>
      )}
      <div className="actions">
        {verbs.map((verb) => (
          <button
            key={verb}
            type="button"
            className={isDestructive(verb) ? 'danger' : ''}
            aria-expanded={open === verb}
            onClick={() => (open === verb ? setOpen(undefined) : setOpen(verb))}
          >
            {labels[verb]}
          </button>
        ))}
      </div>
      {open && (
        <form
          className="action-form"
          aria-label={labels[open]}
          onSubmit={(e) => {
            e.preventDefault();
            void run(open);
          }}
        >
          {open === 'renew' ? (
            <>
              <label htmlFor="renew-reason">New justification</label>
              <textarea
                id="renew-reason"
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                aria-invalid={fieldError('reason') ? true : undefined}
              />
              {fieldError('reason') && <ErrorNote error={fieldError('reason')} />}
              <label htmlFor="renew-expires">Expires</label>
              <input
                id="renew-expires"
                value={expires}
                onChange={(e) => setExpires(e.target.value)}
                aria-invalid={fieldError('expires') ? true : undefined}
              />
              {fieldError('expires') && <ErrorNote error={fieldError('expires')} />}
            </>
          ) : (
            <>
              <label htmlFor="action-comment">
                Comment{needsComment(open) ? ' (required: why)' : ' (optional)'}
              </label>
              <textarea
                id="action-comment"
                value={comment}
                required={needsComment(open)}
                onChange={(e) => setComment(e.target.value)}
              />
            </>
          )}
          <div className="actions">
            <button type="submit" className={isDestructive(open) ? 'danger' : ''} disabled={busy}>
              {labels[open]} {x.id}
            </button>
            <button type="button" className="secondary" onClick={() => setOpen(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      {error !== undefined && !fieldError('reason') && !fieldError('expires') && <ErrorNote error={error} />}
    </section>
  );
}
