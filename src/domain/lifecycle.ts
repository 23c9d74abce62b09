import { closureOf, type RevokeClosure } from './controls.js';
import { WaiverError } from './errors.js';
import { formatId, type ExceptionRecord, type StoredState } from './exception.js';
import { sameIdentity } from './identity.js';

export const actions = [
  'approve',
  'reject',
  'withdraw',
  'apply',
  'revoke',
  'expire',
  'supersede',
  'escalate',
  'remind',
] as const;
export type Action = (typeof actions)[number];

export const auditActions = [
  'requested',
  'approved',
  'rejected',
  'withdrawn',
  'applied',
  'synced',
  'sync_failed',
  'reminded',
  'expired',
  'removed',
  'revoked',
  'renewal_requested',
  'escalated',
  'drift_detected',
  'imported',
  'token_created',
  'token_revoked',
  'token_bound',
  'rogue_detected',
  'change_proposed',
  'target_assigned',
  'no_longer_needed',
] as const;
export type AuditAction = (typeof auditActions)[number];

/** The lifecycle as data: which action leads from which state to which. */
export const transitions: Readonly<Record<StoredState, Partial<Record<Action, StoredState>>>> = {
  pending: { approve: 'approved', reject: 'rejected', withdraw: 'withdrawn' },
  approved: { apply: 'active', reject: 'rejected', withdraw: 'withdrawn' },
  active: {
    revoke: 'removed',
    expire: 'removed',
    supersede: 'removed',
    escalate: 'active',
    remind: 'active',
  },
  rejected: {},
  withdrawn: {},
  removed: {},
};

const auditActionOf: Record<Action, AuditAction> = {
  approve: 'approved',
  reject: 'rejected',
  withdraw: 'withdrawn',
  apply: 'applied',
  revoke: 'revoked',
  expire: 'expired',
  supersede: 'removed',
  escalate: 'escalated',
  remind: 'reminded',
};

export interface TransitionInput {
  actor: string;
  /** RFC3339 UTC. */
  now: string;
  comment?: string;
  /** Separation of duties: the approver may not also apply (configurable). */
  requireDistinctApplier: boolean;
  /** Compare identities that are not e-mail addresses in any case too (addresses always are); default on. */
  identitiesIgnoreCase?: boolean;
  /** Who requested the earlier links of a renewal's chain: none of them reviews this one. */
  earlierRequestors?: readonly string[];
  /** A revoke: why it ends early (default `revoked`, or `escalated` for an escalated exception). */
  closure?: RevokeClosure;
}

export interface TransitionResult {
  record: ExceptionRecord;
  event: { action: AuditAction; data: Record<string, unknown> };
}

/** The states `action` leads from, in words: "an approved exception", "a pending or approved exception". */
function statesTaking(action: Action): string {
  const from = (Object.keys(transitions) as StoredState[]).filter((state) => transitions[state][action]);
  const words = from.join(' or ');
  return `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words} exception`;
}

/** Decides whether `action` is legal for `record` and returns the changed record with its audit event. */
export function transition(
  record: ExceptionRecord,
  action: Action,
  input: TransitionInput,
): TransitionResult {
  const next = transitions[record.state][action];
  if (next === undefined) {
    throw new WaiverError(
      'illegal_transition',
      `cannot ${action} ${formatId(record.id)}: it is ${record.state}; ${action} takes ${statesTaking(action)}`,
      'state',
    );
  }
  checkDuties(record, action, input);
  const changed: ExceptionRecord = {
    ...record,
    ...changesFor(action, input, record.escalatedAt !== null),
    state: next,
  };
  const data: Record<string, unknown> = { from: record.state, to: next };
  if (input.comment) data['comment'] = input.comment;
  if (action === 'supersede') data['endReason'] = 'superseded';
  if (changed.closureReason !== record.closureReason) data['closureReason'] = changed.closureReason;
  return { record: changed, event: { action: auditActionOf[action], data } };
}

/** What separation of duties weighs besides the record: how identities compare, and the renewal chain. */
export interface DutyOptions {
  /** Compare identities that are not e-mail addresses in any case too; default on. */
  ignoreCase?: boolean | undefined;
  /** Who requested the earlier links of the record's renewal chain. */
  earlierRequestors?: readonly string[] | undefined;
}

/**
 * Separation of duties by identity: nobody reviews their own request, nor a renewal of an exception they
 * requested earlier in its chain (the renewal keeps their scope); only its requestor withdraws it; and
 * (unless relaxed) the approver does not also apply. Identities that differ only in case are one person
 * when they are e-mail addresses, and by default otherwise. Why `actor` may not, or undefined when they may.
 */
export function dutyRefusal(
  record: Pick<ExceptionRecord, 'requestor' | 'approver'>,
  id: string,
  action: Action,
  actor: string,
  requireDistinctApplier: boolean,
  { ignoreCase = true, earlierRequestors = [] }: DutyOptions = {},
): string | undefined {
  const same = (other: string | null) => other !== null && sameIdentity(actor, other, ignoreCase);
  if ((action === 'approve' || action === 'reject') && same(record.requestor))
    return `${actor} requested ${id} and cannot ${action} it: a second person must review`;
  const earlier = earlierRequestors.find(same);
  if ((action === 'approve' || action === 'reject') && earlier !== undefined)
    return `${actor} requested an exception that ${id} renews (as ${earlier}) and cannot ${action} the renewal: a second person must review`;
  if (action === 'withdraw' && !same(record.requestor))
    return `only the requestor (${record.requestor}) can withdraw ${id}`;
  if (action === 'apply' && requireDistinctApplier && same(record.approver))
    return `${actor} approved ${id} and cannot also apply it: a staff engineer other than the approver applies`;
  return undefined;
}

function checkDuties(
  record: ExceptionRecord,
  action: Action,
  { actor, comment, now, requireDistinctApplier, identitiesIgnoreCase, earlierRequestors }: TransitionInput,
): void {
  const refusal = dutyRefusal(record, formatId(record.id), action, actor, requireDistinctApplier, {
    ignoreCase: identitiesIgnoreCase,
    earlierRequestors,
  });
  if (refusal) throw new WaiverError('forbidden', refusal, 'actor');
  if ((action === 'reject' || action === 'escalate') && !comment?.trim()) {
    throw new WaiverError('usage', `${action} needs --comment saying why`, 'comment');
  }
  if (action === 'apply' && Date.parse(record.expiresAt) <= Date.parse(now)) {
    throw new WaiverError(
      'guardrail',
      `${formatId(record.id)} expired at ${record.expiresAt}: request a new exception`,
      'expiresAt',
    );
  }
  if (action === 'escalate' && record.escalatedAt !== null) {
    throw new WaiverError(
      'illegal_transition',
      `${formatId(record.id)} was already escalated at ${record.escalatedAt}`,
      'state',
    );
  }
  if (action === 'remind' && record.remindedAt !== null) {
    throw new WaiverError('illegal_transition', `${formatId(record.id)} was already reminded`, 'state');
  }
}

function changesFor(
  action: Action,
  { actor, now, closure }: TransitionInput,
  escalated: boolean,
): Partial<ExceptionRecord> {
  switch (action) {
    case 'approve':
      return { approver: actor, approvedAt: now };
    case 'reject':
    case 'withdraw':
      return {};
    case 'apply':
      return { applier: actor, appliedAt: now, syncStatus: 'pending', syncError: null };
    case 'revoke':
      return {
        endReason: 'revoked',
        closureReason: closureOf('revoke', escalated, closure),
        removedAt: now,
        syncStatus: 'pending',
        syncError: null,
      };
    case 'supersede':
      return {
        endReason: 'superseded',
        closureReason: closureOf('supersede', escalated),
        removedAt: now,
        syncStatus: 'pending',
        syncError: null,
      };
    case 'expire':
      return {
        endReason: 'expired',
        closureReason: closureOf('expire', escalated),
        removedAt: now,
        syncStatus: 'synced',
        syncError: null,
      };
    case 'escalate':
      return { escalatedAt: now };
    case 'remind':
      return { remindedAt: now };
  }
}
