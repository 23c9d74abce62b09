import { RequestEvidence } from '../components/request-evidence';
import { useState } from 'react';
import { useSession } from '../auth/session';
import { allowedActions } from '../components/allowed-actions';
import { BlastRadius, NoClusterNote, readsCluster } from '../components/blast-radius';
import { afterAction } from '../components/lifecycle-words';
import type { ExceptionView } from '../components/exception-table';
import { ReviewItems } from '../components/review-items';
import { Empty, ErrorNote, Loading } from '../components/status';
import { Time } from '../components/time';
import { useAsync } from '../components/use-async';
import { Validations } from '../components/validations';
import { formatRisk } from '../../../src/domain/controls';
import { href } from '../route';
import { ExemptionFacts } from '../components/exemptions';

/** Security's review: each pending request with everything a decision needs, and the decision. */
export function ReviewPage() {
  const { api, can, targets } = useSession();
  const [done, setDone] = useState<string | undefined>();
  const pending = useAsync(
    () => api.get('/api/v1/exceptions', { query: { state: 'pending', limit: 100 } }),
    [api],
  );
  const queue = useAsync(() => api.get('/api/v1/review'), [api]);
  return (
    <>
      <section aria-labelledby="queue">
        <h2 id="queue">What waits for you</h2>
        {queue.loading && !queue.data && <Loading what="your queue" />}
        {queue.error !== undefined && <ErrorNote error={queue.error} />}
        {queue.data && <ReviewItems items={queue.data.items} />}
      </section>
      {can('approver') && (
        <section aria-labelledby="pending">
          <h2 id="pending">Pending requests</h2>
          {pending.loading && !pending.data && <Loading what="pending requests" />}
          {pending.error !== undefined && <ErrorNote error={pending.error} />}
          {done && (
            <p className="done" role="status">
              {done}
            </p>
          )}
          {pending.data &&
            (pending.data.items.length === 0 ? (
              <Empty>No request waits for a decision.</Empty>
            ) : (
              <>
                {pending.data.items.some((x) => !readsCluster(targets, x.target)) && <NoClusterNote />}
                {pending.data.items.map((x) => (
                  <PendingRequest
                    key={x.id}
                    x={x}
                    onDone={(message) => {
                      setDone(message);
                      pending.reload();
                      queue.reload();
                    }}
                  />
                ))}
              </>
            ))}
        </section>
      )}
    </>
  );
}

function PendingRequest({ x, onDone }: { x: ExceptionView; onDone: (message: string) => void }) {
  const { api, me, settings, targets } = useSession();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const verbs = allowedActions(x, me, settings.requireDistinctApplier, settings.identitiesIgnoreCase);
  const decide = async (verb: 'approve' | 'reject') => {
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`/api/v1/exceptions/{id}/${verb}` as '/api/v1/exceptions/{id}/approve', {
        path: { id: x.id },
        body: comment.trim() ? { comment: comment.trim() } : {},
      });
      onDone(afterAction(verb, x, settings.requireDistinctApplier));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const commentId = `comment-${x.id}`;
  return (
    <article className="request-card" aria-labelledby={`title-${x.id}`}>
      <h3 id={`title-${x.id}`}>
        <a href={href(`/exceptions/${x.id}`)}>{x.id}</a> {x.name}
      </h3>
      <dl className="facts">
        <div>
          <dt>Requested by</dt>
          <dd>
            {x.requestor}, <Time iso={x.requestedAt} relative />
          </dd>
        </div>
        <div>
          <dt>Scope</dt>
          <dd>
            {x.policy} / {x.rules.join(', ')} — {x.kinds.join(', ')} {x.names.join(', ')} in{' '}
            {x.namespaces.join(', ')}
          </dd>
        </div>
        <ExemptionFacts x={x} />
        <div>
          <dt>Category and ticket</dt>
          <dd>
            {x.category}, {x.ticket}
          </dd>
        </div>
        <div>
          <dt>Justification</dt>
          <dd>{x.reason}</dd>
        </div>
        <div>
          <dt>Risk assessment</dt>
          <dd>{x.riskAssessment ?? '—'}</dd>
        </div>
        {x.riskRating && (
          <div>
            <dt>Risk before and after compensating controls</dt>
            <dd>
              {formatRisk(x.riskRating.before)}
              {' → '}
              {x.riskRating.after ? formatRisk(x.riskRating.after) : 'not rated'}
            </dd>
          </div>
        )}
        {x.compensatingControls && (
          <div>
            <dt>Compensating controls</dt>
            <dd>{x.compensatingControls}</dd>
          </div>
        )}
        {x.validations.length > 0 && (
          <div>
            <dt>Validations Kyverno checks before it grants it</dt>
            <dd>
              <Validations items={x.validations} />
            </dd>
          </div>
        )}
        {x.falsePositive && (
          <div>
            <dt>Stated false positive (approving accepts the claim)</dt>
            <dd>{x.falsePositive}</dd>
          </div>
        )}
        <div>
          <dt>Expires</dt>
          <dd>
            <Time iso={x.expiresAt} relative />
          </dd>
        </div>
        <div>
          <dt>Renewals</dt>
          <dd>
            {x.renewalCount === 0 ? 'first request' : `renewal ${x.renewalCount}`}
            {x.renewalOf && (
              <>
                {' of '}
                <a href={href(`/exceptions/${x.renewalOf}`)}>{x.renewalOf}</a>
              </>
            )}
          </dd>
        </div>
      </dl>
      <RequestEvidence id={x.id} />
      {readsCluster(targets, x.target) && <BlastRadius id={x.id} target={x.target} level={4} />}
      {verbs.includes('approve') || verbs.includes('reject') ? (
        <form
          className="action-form"
          aria-label={`Decide on ${x.id}`}
          onSubmit={(e) => {
            e.preventDefault();
          }}
        >
          <label htmlFor={commentId}>Comment (required to reject)</label>
          <textarea id={commentId} value={comment} onChange={(e) => setComment(e.target.value)} />
          <div className="actions">
            {verbs.includes('approve') && (
              <button type="button" disabled={busy} onClick={() => void decide('approve')}>
                Approve {x.id}
              </button>
            )}
            {verbs.includes('reject') && (
              <button type="button" className="danger" disabled={busy} onClick={() => void decide('reject')}>
                Reject {x.id}
              </button>
            )}
          </div>
          {error !== undefined && <ErrorNote error={error} />}
        </form>
      ) : (
        <p className="muted">
          {x.requestor === me.name ? 'Your own request: someone else decides.' : 'You may not decide on it.'}
        </p>
      )}
    </article>
  );
}
