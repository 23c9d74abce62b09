import type { Verb } from './allowed-actions';

/** An audit event as the history answer gives it (only what these words need). */
interface Event {
  at: string;
  actor: string;
  action: string;
  data: Record<string, unknown>;
}

/** The audit actions that end an exception, as people say them. */
const endings: Record<string, string> = {
  rejected: 'Rejected',
  withdrawn: 'Withdrawn',
  revoked: 'Revoked',
  expired: 'Expired and removed',
  removed: 'Superseded by its renewal',
};

export interface Ending {
  how: string;
  by: string;
  at: string;
  comment: string | undefined;
}

/**
 * How and when an ended exception (rejected, withdrawn or removed) ended, from its audit trail; undefined
 * while it is live. An expired one the target still holds is live until the sweep removes it.
 */
export function endingOf(
  x: { state: string; removedAt: string | null },
  history: readonly Event[],
): Ending | undefined {
  if (x.state !== 'rejected' && x.state !== 'withdrawn' && x.state !== 'removed') return undefined;
  const event = history.findLast((e) => e.action in endings);
  if (!event) return { how: `Ended (${x.state})`, by: 'unknown', at: x.removedAt ?? '', comment: undefined };
  const comment = event.data['comment'];
  return {
    how: endings[event.action] ?? x.state,
    by: event.actor,
    at: x.state === 'removed' && x.removedAt ? x.removedAt : event.at,
    comment: typeof comment === 'string' ? comment : undefined,
  };
}

/** What an action did and what happens next, said after it succeeds. */
export function afterAction(
  verb: Verb,
  x: { id: string; target: string; requestor: string },
  requireDistinctApplier: boolean,
  newId?: string,
): string {
  switch (verb) {
    case 'approve':
      return `Approved ${x.id}; your approval is recorded as accepting its risk. Next, ${
        requireDistinctApplier ? 'an applier other than you' : 'an applier'
      } applies it: it is then written to target "${x.target}" and takes effect until it expires.`;
    case 'reject':
      return `Rejected ${x.id}: it ends here and is never written to a target. ${x.requestor} may file a new request.`;
    case 'withdraw':
      return `Withdrew ${x.id}: it ends here and is never written to a target.`;
    case 'apply':
      return `Applied ${x.id}: it is written to target "${x.target}" (Sync shows when it is there) and removed when it expires.`;
    case 'revoke':
      return `Revoked ${x.id}: it is removed from target "${x.target}", and the policy applies again to what it exempted.`;
    case 'escalate':
      return `Escalated ${x.id}: it is flagged as needing a policy change; it still ends when it expires.`;
    case 'renew':
      return `Requested ${newId ?? 'a renewal'} to renew ${x.id}: it needs a fresh approval, then an applier applies it.`;
  }
}

/** Actions that end or remove something: their buttons and confirms are red. */
export const isDestructive = (verb: Verb): boolean =>
  verb === 'reject' || verb === 'revoke' || verb === 'withdraw';
