import type { Success } from '../api/client';
import { useSession } from '../auth/session';
import { ErrorNote, Loading } from './status';
import { Time } from './time';
import { useAsync } from './use-async';

type Detail = Success<'/api/v1/exceptions/{id}/history', 'get'>;

const resourceText = (r: { kind: string; namespace: string; name: string }) =>
  `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/**
 * What a reviewer weighs beside the request: the violation it was drafted from (message, resource, last
 * seen), what the filed scope widened (highlighted) or narrowed, and the active exceptions it overlaps,
 * with what they let through only together.
 */
export function RequestEvidence({ id, level = 4 }: { id: string; level?: 3 | 4 }) {
  const { api } = useSession();
  const detail = useAsync(() => api.get('/api/v1/exceptions/{id}/history', { path: { id } }), [api, id]);
  const Heading = level === 3 ? 'h3' : 'h4';
  if (detail.loading && !detail.data) return <Loading what="where the request came from" />;
  if (detail.error !== undefined) return <ErrorNote error={detail.error} />;
  const { origin, overlap } = detail.data ?? ({} as Partial<Detail>);
  if (!origin && !overlap?.exceptions.length) return null;
  return (
    <section aria-label={`Evidence for ${id}`} className="evidence">
      {origin && (
        <>
          <Heading>Drafted from a violation</Heading>
          <p>
            {resourceText(origin.draft.from.resource)}
            {origin.draft.from.owner &&
              ` (owned by ${origin.draft.from.owner.kind} ${origin.draft.from.owner.name})`}{' '}
            fails {origin.draft.from.policy}, last seen <Time iso={origin.draft.from.lastSeen} relative />
          </p>
          <ul>
            {origin.draft.from.rules.map((r) => (
              <li key={r.rule}>
                {r.rule || origin.draft.from.policy}: {r.message}
              </li>
            ))}
          </ul>
          <p className="help">
            Named by {origin.draft.basis}: {origin.draft.why}
          </p>
          {origin.widened.length > 0 ? (
            <p className="warning">
              Widened beyond the draft:{' '}
              {origin.widened.map((c) => `${c.field} ${c.values.join(', ')}`).join('; ')}
            </p>
          ) : (
            <p className="help">
              As drafted{origin.narrowed.length ? ', narrowed further' : ''}: no wider than the violation
              needs.
            </p>
          )}
        </>
      )}
      {overlap && overlap.exceptions.length > 0 && (
        <>
          <Heading>Overlaps {overlap.exceptions.join(', ')}</Heading>
          {overlap.together.length > 0 && (
            <p className="warning">
              Together they let through what none does alone:{' '}
              {overlap.together.map((e) => `${resourceText(e.resource)} (${e.rule})`).join(', ')}
            </p>
          )}
          <p className="help">
            {overlap.shared.length} resource and rule pair(s) another active exception already lets through.
          </p>
        </>
      )}
      {overlap?.notes.map((n) => (
        <p key={n} className="help">
          {n}
        </p>
      ))}
    </section>
  );
}
