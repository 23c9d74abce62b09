import type { ExceptionRecord } from '../domain/exception.js';
import { authorize, type Actor } from './actor.js';
import { changeState } from './change-state.js';
import type { ServiceDeps } from './deps.js';

/** Review: security approves. The approver's name becomes the risk acceptance on the manifest. */
export function approveException(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  comment?: string,
): Promise<ExceptionRecord> {
  authorize(actor, 'review');
  return changeState(deps, actor, ref, 'approve', { comment });
}

export function rejectException(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  comment?: string,
): Promise<ExceptionRecord> {
  authorize(actor, 'review');
  return changeState(deps, actor, ref, 'reject', { comment });
}

/** The requestor takes back a request that is not yet applied. */
export function withdrawException(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  comment?: string,
): Promise<ExceptionRecord> {
  authorize(actor, 'request');
  return changeState(deps, actor, ref, 'withdraw', { comment });
}

/** A permanent exception is needed: that is a policy change, flagged for the policy owners, not a bypass. */
export function escalateException(
  deps: ServiceDeps,
  actor: Actor,
  ref: string,
  comment?: string,
): Promise<ExceptionRecord> {
  authorize(actor, 'escalate');
  return changeState(deps, actor, ref, 'escalate', { comment });
}
