import { WaiverError } from '../domain/errors.js';
import { formatId, type ExceptionRecord } from '../domain/exception.js';
import { parseExpiry, toRfc3339, wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { RenewInputSchema, type RenewInput } from './inputs.js';
import { createRequest } from './request-exception.js';
import { resolveException } from './resolve.js';
import { parseInput } from '../domain/parse-input.js';

/** An exception can be renewed while it is in force, or after it expired; not once revoked or superseded. */
const isRenewable = (r: ExceptionRecord): boolean =>
  r.state === 'active' || (r.state === 'removed' && r.endReason === 'expired');

/**
 * Renew: a new pending request for the same scope, linked to the old one, with a new justification. It
 * needs a fresh approval and supersedes the old exception when applied.
 */
export async function renewException(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  raw: RenewInput,
): Promise<ExceptionRecord> {
  authorize(actor, 'request');
  const input = parseInput(RenewInputSchema, raw);
  const previous = await resolveException(deps.store, ref);
  if (!isRenewable(previous)) {
    throw new WaiverError(
      'illegal_transition',
      `cannot renew ${formatId(previous.id)}: it is ${previous.state}${previous.endReason ? ` (${previous.endReason})` : ''}`,
      'state',
    );
  }
  const nowMs = wholeSeconds(deps.clock.now());
  const scope = {
    name: previous.name,
    policy: previous.policy,
    rules: previous.rules,
    kinds: previous.kinds,
    namespaces: previous.namespaces,
    names: previous.names,
  };
  const justification = {
    category: previous.category,
    ticket: input.ticket?.trim() ?? previous.ticket,
    reason: input.reason.trim(),
    riskAssessment: previous.riskAssessment,
    riskRating: previous.riskRating,
    compensatingControls: previous.compensatingControls,
    validations: previous.validations,
    falsePositive: previous.falsePositive,
    expiresAt: toRfc3339(wholeSeconds(parseExpiry(input.expires, nowMs))),
  };
  return createRequest(deps, actor, nowMs, scope, justification, {
    apiVersion: previous.apiVersion,
    target: previous.target,
    exemptions: {
      podSecurity: previous.podSecurity,
      images: previous.images,
      allowedValues: previous.allowedValues,
    },
    renewing: previous,
  });
}
