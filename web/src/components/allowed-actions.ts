import type { ExceptionView } from './exception-table';
import type { Me, Role } from '../auth/session';

export type Verb = 'approve' | 'reject' | 'withdraw' | 'apply' | 'revoke' | 'escalate' | 'renew';

/**
 * What the signed-in user may do to an exception now: its state, their roles, and separation of duties
 * (nobody approves their own request; the approver does not apply when the process says so). The server
 * checks all of it again; this only keeps buttons that would be refused off the page.
 */
export function allowedActions(
  x: Pick<ExceptionView, 'state' | 'requestor' | 'approver' | 'escalated'>,
  me: Me,
  requireDistinctApplier: boolean,
): Verb[] {
  const has = (...roles: Role[]) => me.roles.includes('admin') || roles.some((r) => me.roles.includes(r));
  const mine = x.requestor === me.name;
  const verbs: Verb[] = [];
  if (x.state === 'pending' || x.state === 'approved') {
    if (x.state === 'pending' && has('approver') && !mine) verbs.push('approve');
    if (has('approver') && !mine) verbs.push('reject');
    if (mine) verbs.push('withdraw');
  }
  if (x.state === 'approved' && has('applier') && !(requireDistinctApplier && x.approver === me.name))
    verbs.push('apply');
  if (x.state === 'active' || x.state === 'expired') {
    if (has('approver', 'applier')) verbs.push('revoke');
    if (has('requester')) verbs.push('renew');
    if (!x.escalated && has('requester', 'approver', 'applier')) verbs.push('escalate');
  }
  return verbs;
}

/** Actions that need a comment saying why. */
export const needsComment = (verb: Verb): boolean => verb === 'reject' || verb === 'escalate';
