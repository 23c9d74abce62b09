import { WaiverError } from '../domain/errors.js';
import { mayDo, permissionRoles, roles, type Permission, type Role } from '../domain/roles.js';

export { roles, type Permission, type Role } from '../domain/roles.js';

/** Who is calling: an authenticated identity and the roles it holds. */
export interface Actor {
  name: string;
  roles: readonly Role[];
}

export function authorize(actor: Actor, permission: Permission): void {
  if (mayDo(actor.roles, permission)) return;
  throw new WaiverError(
    'forbidden',
    `${actor.name} may not ${permission.replace('_', ' ')}: that needs the role ${[...permissionRoles[permission], 'admin'].join(' or ')}`,
    'actor',
  );
}

/** Local mode trusts the OS identity and grants every role; separation of duties still holds by name. */
export const localActor = (name: string): Actor => ({ name, roles: roles });

/** Waiver's own periodic work (sweep, reconcile) is audited under this identity. */
export const controllerActor: Actor = { name: 'waiver-controller', roles: ['applier'] };
