import { isWaiverError, type ErrorCode } from '../domain/errors.js';

/** The one place error codes become HTTP statuses. */
export const httpStatus: Record<ErrorCode, number> = {
  usage: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  illegal_transition: 409,
  conflict: 409,
  audit_broken: 409,
  guardrail: 422,
  lint_failed: 422,
  target: 502,
  unavailable: 503,
  storage_full: 507,
  internal: 500,
};

/** Codes the HTTP layer adds for what never reaches the service. */
export type HttpOnlyCode = 'too_large' | 'unsupported_media_type' | 'rate_limited';

export interface ErrorBody {
  code: ErrorCode | HttpOnlyCode;
  message: string;
  field?: string;
  issues?: readonly { code: string; field: string; message: string }[];
}

/** Fastify's own errors (broken JSON, a body too large) carry a status; they become the same JSON shape. */
const fromFastifyStatus: Record<number, ErrorBody['code']> = {
  400: 'usage',
  404: 'not_found',
  413: 'too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (isWaiverError(error)) {
    const body: ErrorBody = { code: error.code, message: error.message };
    if (error.field !== undefined) body.field = error.field;
    if (error.issues.length > 0) body.issues = error.issues;
    return { status: httpStatus[error.code], body };
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = fromFastifyStatus[status] ?? 'usage';
    const message = error instanceof Error ? error.message : 'bad request';
    return { status, body: { code, message: code === 'usage' ? `invalid request: ${message}` : message } };
  }
  // Anything else is a bug: the details go to the log, not to the caller.
  return { status: 500, body: { code: 'internal', message: 'internal error; see the server log' } };
}
