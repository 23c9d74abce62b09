import type { ErrorCode } from '../domain/errors.js';

/** 0 success, 1 failure, 2 usage error, 3 refused by a rule. The one place codes become exit codes. */
export const exitCodes: Record<ErrorCode, number> = {
  usage: 2,
  unauthenticated: 3,
  not_found: 1,
  guardrail: 3,
  forbidden: 3,
  illegal_transition: 3,
  conflict: 3,
  target: 1,
  audit_broken: 1,
  lint_failed: 1,
  unavailable: 1,
  storage_full: 1,
  internal: 1,
};
