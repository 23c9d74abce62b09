import { dutyRefusal, transitions } from '../../../src/domain/lifecycle';
import { mayDo, type Permission } from '../../../src/domain/roles';
import type { Me } from '../auth/session';
import type { ExceptionView } from './exception-table';

export type Verb = 'approve' | 'reject' | 'withdraw' | 'apply' | 'revoke' | 'escalate' | 'renew';

/** Each action the page offers, and the permission the server checks for it. */
const verbs: { verb: Verb; permission: Permission }[] = [
  { verb: 'approve', permission: 'review' },
  { verb: 'reject', permission: 'review' },
  { verb: 'withdraw', permission: 'request' },
  { verb: 'apply', permission: 'apply' },
  { verb: 'revoke', permission: 'revoke' },
  { verb: 'escalate', permission: 'escalate' },
  { verb: 'renew', permission: 'request' },
];

/**
 * What the signed-in user may do to an exception now, by the server's own rules (imported from the
 * domain, not restated): the lifecycle's transitions, the roles' permissions and separation of duties.
 * The server checks all of it again; this only keeps buttons that would be refused off the page.
 */
export function allowedActions(
  x: Pick<ExceptionView, 'id' | 'state' | 'requestor' | 'approver' | 'escalated'>,
  me: Me,
  requireDistinctApplier: boolean,
  identitiesIgnoreCase = true,
): Verb[] {
  // An expired exception is stored as active until the sweep removes it.
  const stored = x.state === 'expired' ? 'active' : x.state;
  const legal = (verb: Verb) =>
    verb === 'renew' ? stored === 'active' : transitions[stored][verb] !== undefined;
  return verbs
    .filter(({ verb, permission }) => mayDo(me.roles, permission) && legal(verb))
    .filter(
      ({ verb }) =>
        verb === 'renew' ||
        !dutyRefusal(x, x.id, verb, me.name, requireDistinctApplier, { ignoreCase: identitiesIgnoreCase }),
    )
    .filter(({ verb }) => !(verb === 'escalate' && x.escalated))
    .map(({ verb }) => verb);
}

/** Actions that need a comment saying why. */
export const needsComment = (verb: Verb): boolean => verb === 'reject' || verb === 'escalate';
