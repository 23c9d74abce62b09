import type { ExceptionScope, Justification } from './exception.js';

// Apart from the guardrails (which load the CEL compiler) so that the store, which sizes every record it
// caches, loads without them.

/**
 * One exception's text in all: every list at its longest would make one record of about 36,000
 * characters, and a page of 500 of them a response of megabytes. A reviewer cannot weigh that much either.
 */
export const MAX_EXCEPTION_TEXT = 16_384;

/** The characters of an exception's text fields together: what its row, view and manifest grow with. */
export function exceptionTextSize(
  e: ExceptionScope & Pick<Justification, 'ticket' | 'reason' | 'riskAssessment'>,
): number {
  const listed = [e.rules, e.kinds, e.namespaces, e.names].reduce(
    (sum, list) => list.reduce((n, item) => n + item.length, sum),
    0,
  );
  return (
    listed +
    e.name.length +
    e.policy.length +
    e.ticket.length +
    e.reason.length +
    (e.riskAssessment?.length ?? 0)
  );
}
