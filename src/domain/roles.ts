/** The roles of the process: who may request, review, apply, read, and administer. */
export const roles = ['requester', 'approver', 'applier', 'auditor', 'admin'] as const;
export type Role = (typeof roles)[number];
