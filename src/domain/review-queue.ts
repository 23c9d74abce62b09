import { formatId, type ExceptionRecord } from './exception.js';
import type { EvidenceFlag, ExceptionEvidence } from './report-evidence.js';
import type { Role } from './roles.js';
import { DAY_MS, humanDuration, toRfc3339 } from './time.js';

/** What a person must do about an exception now. */
export const queues = ['approve', 'apply', 'decide', 'escalated', 'revoke', 'remove'] as const;
export type Queue = (typeof queues)[number];

/** Who acts on each queue: approvers approve, appliers apply and remove, requestors decide. */
export const queueRoles: Record<Queue, readonly Role[]> = {
  approve: ['approver'],
  apply: ['applier'],
  decide: ['requester', 'approver'],
  escalated: ['approver'],
  revoke: ['approver', 'applier'],
  remove: ['applier'],
};

export interface ReviewItem {
  queue: Queue;
  id: string;
  name: string;
  namespaces: string[];
  policy: string;
  requestor: string;
  /** Since when it has waited (RFC3339), and for how long in seconds. */
  since: string;
  ageSeconds: number;
  renewalCount: number;
  /** Why it is in the queue, and what the person may do, in words. */
  why: string;
  /** The CLI commands for what may be done (the CLI shows them; the web UI offers its own buttons). */
  commands: string[];
  /** The request's own justification. */
  reason: string;
}

/**
 * What waits for a person now, oldest first in each queue: pending requests (approve), approved ones
 * not yet applied (apply), active ones in the reminder window (decide: let it expire, renew, or
 * escalate), escalations awaiting a policy change (escalated), and expired or ended ones the target
 * still holds (remove). Pure: the records and the instant in, the items out.
 */
export function reviewQueue(
  records: readonly ExceptionRecord[],
  nowMs: number,
  reminderDays: number,
): ReviewItem[] {
  return sortQueue(records.flatMap((r) => waitingItems(r, nowMs, reminderDays)));
}

/** Queue by queue, in the queues' order, the longest waiting first. */
export function sortQueue(items: ReviewItem[]): ReviewItem[] {
  const order = (q: Queue) => queues.indexOf(q);
  return items.sort((a, b) => order(a.queue) - order(b.queue) || b.ageSeconds - a.ageSeconds);
}

const reviewItem = (
  r: ExceptionRecord,
  queue: Queue,
  since: string,
  why: string,
  nowMs: number,
  commands: string[] = [],
): ReviewItem => ({
  queue,
  id: formatId(r.id),
  name: r.name,
  namespaces: [...r.namespaces],
  policy: r.policy,
  requestor: r.requestor,
  since,
  ageSeconds: Math.max(0, Math.round((nowMs - Date.parse(since)) / 1000)),
  renewalCount: r.renewalCount,
  why,
  commands,
  reason: r.reason,
});

/**
 * What the policy reports add: an unused exception to revoke, one whose results fail again for its
 * requester to look into, an ended one the reports still skip through; and what the live objects add:
 * one no longer needed, to revoke (appliers and approvers).
 */
export function evidenceItems(
  records: readonly ExceptionRecord[],
  evidence: readonly ExceptionEvidence[],
  nowMs: number,
): ReviewItem[] {
  const byId = new Map(records.map((r) => [formatId(r.id), r]));
  const queueOf: Record<EvidenceFlag, Queue> = {
    unused: 'revoke',
    'failing-while-active': 'decide',
    'skipping-after-expiry': 'remove',
    'no-longer-needed': 'revoke',
  };
  return evidence.flatMap((e) => {
    const r = byId.get(e.id);
    if (!r) return [];
    const since = r.appliedAt ?? r.requestedAt;
    return e.flags.map((f) =>
      f.flag === 'no-longer-needed'
        ? reviewItem(r, 'revoke', since, `revoke: no longer needed — ${f.why}`, nowMs, [
            `waiver revoke ${e.id} --comment "no longer needed"`,
          ])
        : reviewItem(r, queueOf[f.flag], since, f.why, nowMs),
    );
  });
}

function waitingItems(r: ExceptionRecord, nowMs: number, reminderDays: number): ReviewItem[] {
  const expiresMs = Date.parse(r.expiresAt);
  const item = (queue: Queue, since: string, why: string, commands: string[] = []): ReviewItem =>
    reviewItem(r, queue, since, why, nowMs, commands);
  const id = formatId(r.id);
  const found: ReviewItem[] = [];
  if (r.state === 'pending')
    found.push(
      item('approve', r.requestedAt, `requested by ${r.requestor}: approve or reject`, [
        `waiver approve ${id}`,
      ]),
    );
  if (r.state === 'approved' && r.approvedAt)
    found.push(
      item('apply', r.approvedAt, `approved by ${r.approver ?? ''}: apply it`, [`waiver apply ${id}`]),
    );
  if (r.state === 'active' && expiresMs <= nowMs)
    found.push(item('remove', r.expiresAt, 'expired and not yet removed from the target: run the sweep'));
  else if (r.state === 'active' && expiresMs - nowMs <= reminderDays * DAY_MS)
    found.push(
      item(
        'decide',
        toRfc3339(expiresMs - reminderDays * DAY_MS),
        `expires in ${humanDuration(expiresMs - nowMs)}: let it expire, renew it with a new justification, or escalate`,
        [`waiver renew ${id}`, `waiver escalate ${id}`],
      ),
    );
  if (r.state === 'active' && r.escalatedAt)
    found.push(
      item('escalated', r.escalatedAt, 'a permanent exception was asked for: a policy change, not a bypass'),
    );
  if (r.state === 'removed' && (r.syncStatus === 'pending' || r.syncStatus === 'error') && r.removedAt)
    found.push(
      item(
        'remove',
        r.removedAt,
        `ended, but its removal from the target is not confirmed${r.syncError ? `: ${r.syncError}` : ''}`,
      ),
    );
  return found;
}

/** The queues a person with these roles acts on (an admin and an auditor see all of them). */
export function queuesFor(roles: readonly Role[]): Queue[] {
  if (roles.includes('admin') || roles.includes('auditor')) return [...queues];
  return queues.filter((q) => queueRoles[q].some((role) => roles.includes(role)));
}

/**
 * What of the queue waits for this person: the queues of their roles, and, for a requester who reviews
 * nothing, only the decisions about their own exceptions.
 */
export function itemsFor(
  items: readonly ReviewItem[],
  person: { name: string; roles: readonly Role[] },
): ReviewItem[] {
  const theirs = new Set(queuesFor(person.roles));
  const reviews = person.roles.some((r) => r === 'approver' || r === 'admin' || r === 'auditor');
  return items.filter(
    (item) =>
      theirs.has(item.queue) && (reviews || item.queue !== 'decide' || item.requestor === person.name),
  );
}
