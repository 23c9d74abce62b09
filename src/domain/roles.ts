/** The roles of the process: who may request, review, apply, read, and administer. */
export const roles = ['requester', 'approver', 'applier', 'auditor', 'admin'] as const;
export type Role = (typeof roles)[number];

export type Permission =
  | 'request'
  | 'review'
  | 'apply'
  | 'revoke'
  | 'escalate'
  | 'sweep'
  | 'read'
  | 'sign_evidence'
  | 'manage_tokens';

/** Which roles may do what; `admin` may do everything. Separation of duties by identity is in the lifecycle. */
export const permissionRoles: Record<Permission, readonly Role[]> = {
  request: ['requester'],
  review: ['approver'],
  apply: ['applier'],
  revoke: ['approver', 'applier'],
  escalate: ['requester', 'approver', 'applier'],
  sweep: ['applier'],
  read: ['requester', 'approver', 'applier', 'auditor'],
  /** A bundle the server signs speaks for the organisation: only an auditor has it made. */
  sign_evidence: ['auditor'],
  manage_tokens: [],
};

export const mayDo = (held: readonly Role[], permission: Permission): boolean =>
  held.includes('admin') || held.some((r) => permissionRoles[permission].includes(r));
