import { WaiverError } from '../domain/errors.js';
import { roles, type Role } from '../domain/roles.js';

export { roles, type Role } from '../domain/roles.js';

/** Who is calling: an authenticated identity and the roles it holds. */
export interface Actor {
  name: string;
  roles: readonly Role[];
}

export type Permission =
  'request' | 'review' | 'apply' | 'revoke' | 'escalate' | 'sweep' | 'read' | 'manage_tokens';

/** Which roles may do what; `admin` may do everything. Separation of duties by identity is in the lifecycle. */
const allowed: Record<Permission, readonly Role[]> = {
  request: ['requester'],
  review: ['approver'],
  apply: ['applier'],
  revoke: ['approver', 'applier'],
  escalate: ['requester', 'approver', 'applier'],
  sweep: ['applier'],
  read: ['requester', 'approver', 'applier', 'auditor'],
  manage_tokens: [],
};

export function authorize(actor: Actor, permission: Permission): void {
  if (actor.roles.includes('admin') || actor.roles.some((r) => allowed[permission].includes(r))) return;
  throw new WaiverError(
    'forbidden',
    `${actor.name} may not ${permission.replace('_', ' ')}: that needs the role ${[...allowed[permission], 'admin'].join(' or ')}`,
    'actor',
  );
}

/** Local mode trusts the OS identity and grants every role; separation of duties still holds by name. */
export const localActor = (name: string): Actor => ({ name, roles: roles });

/** Waiver's own periodic work (sweep, reconcile) is audited under this identity. */
export const controllerActor: Actor = { name: 'waiver-controller', roles: ['applier'] };
