import type { MessageSnapshot, NotificationEvent, NotificationPayload } from '../domain/notification.js';
import { relativeTime } from '../domain/time.js';

/** A detail as text: what the audit recorded, or the fallback when it is absent or not text. */
const detail = (p: NotificationPayload, key: string, fallback: string): string => {
  const value = p.details[key];
  return typeof value === 'string' ? value : fallback;
};

/** A message before any channel's format: what every channel renders, each in its own way. */
export interface Message {
  event: NotificationEvent;
  /** One line: the subject of an e-mail, a card's header. */
  title: string;
  /** What happened and what is asked of the reader, in a sentence or two (Waiver's words only). */
  summary: string;
  /** Labelled values; values are user text and every channel escapes them. */
  facts: { label: string; value: string }[];
  /** What the reader may do: a command, and a link when the server's public URL is known. */
  actions: { label: string; command: string }[];
  /** The exception in the API (with `server.publicUrl`). */
  link: string | undefined;
  /** Identities the message is for. */
  recipients: string[];
}

export interface MessageContext {
  /** `server.publicUrl`: links in messages point there. */
  publicUrl: string | undefined;
}

export interface MessageInput {
  event: NotificationEvent;
  recipients: readonly string[];
  payload: NotificationPayload;
}

/** The words of each event: its title, its summary, and the commands it asks for. */
interface Template {
  title: (x: MessageSnapshot) => string;
  summary: (x: MessageSnapshot, p: NotificationPayload) => string;
  actions?: (x: MessageSnapshot) => Message['actions'];
}

const expiry = (x: MessageSnapshot, p: NotificationPayload): string =>
  `${x.expiresAt} (${relativeTime(Date.parse(x.expiresAt), Date.parse(p.at))})`;

/** One template per event (the digest, drift and rogue objects have their own below). */
const templates: Record<Exclude<NotificationEvent, 'digest' | 'rogue'>, Template> = {
  requested: {
    title: (x) => `${x.id} requested: ${x.name}`,
    summary: (x) => `${x.requestor} asks for an exception to ${x.policy}. Review it: approve or reject.`,
    actions: (x) => [
      { label: 'Approve', command: `waiver approve ${x.id}` },
      { label: 'Reject', command: `waiver reject ${x.id} --comment "why"` },
    ],
  },
  renewed: {
    title: (x) => `${x.id} requested as a renewal of ${x.renewalOf ?? 'an exception'}: ${x.name}`,
    summary: (x) =>
      `${x.requestor} asks to renew ${x.renewalOf ?? 'an exception'} (renewal ${x.renewalCount}) with a new justification. Review it: approve or reject.`,
    actions: (x) => [
      { label: 'Approve', command: `waiver approve ${x.id}` },
      { label: 'Reject', command: `waiver reject ${x.id} --comment "why"` },
    ],
  },
  approved: {
    title: (x) => `${x.id} approved: ${x.name}`,
    summary: (x) =>
      `${x.approver ?? 'An approver'} approved it and accepts the risk. It takes effect once applied.`,
    actions: (x) => [{ label: 'Apply', command: `waiver apply ${x.id}` }],
  },
  rejected: {
    title: (x) => `${x.id} rejected: ${x.name}`,
    summary: (x) => `${x.approver ?? 'An approver'} rejected it. Nothing was applied.`,
  },
  applied: {
    title: (x) => `${x.id} applied: ${x.name}`,
    summary: (x, p) => `${x.applier ?? p.actor} applied it; Kyverno lets it pass until ${expiry(x, p)}.`,
  },
  reminder: {
    title: (x) => `${x.id} expires soon: ${x.name}`,
    summary: (x, p) =>
      `It expires at ${expiry(x, p)} and is then removed. Decide now: let it expire (the image is signed), renew it with a new justification, or escalate for a policy change.`,
    actions: (x) => [
      { label: 'Let it expire', command: `nothing to do: it is removed at ${x.expiresAt}` },
      { label: 'Renew', command: `waiver renew ${x.id} --reason "new justification" --expires 14d` },
      { label: 'Escalate', command: `waiver escalate ${x.id} --comment "why a policy change"` },
    ],
  },
  expired: {
    title: (x) => `${x.id} expired and was removed: ${x.name}`,
    summary: (x) =>
      `It expired at ${x.expiresAt} and Kyverno enforces the policy again. If it is still needed, request a renewal.`,
    actions: (x) => [
      { label: 'Renew', command: `waiver renew ${x.id} --reason "new justification" --expires 14d` },
    ],
  },
  removed: {
    title: (x) => `${x.id} removed: ${x.name}`,
    summary: () => 'It was replaced by its renewal, which is now in force.',
  },
  revoked: {
    title: (x) => `${x.id} revoked: ${x.name}`,
    summary: (x, p) => `${p.actor} revoked it before its expiry; Kyverno enforces ${x.policy} again.`,
  },
  escalated: {
    title: (x) => `${x.id} escalated: ${x.name}`,
    summary: (x, p) =>
      `${p.actor} says a bypass is not enough: ${x.policy} needs a change. It stays in force until ${expiry(x, p)}.`,
  },
  drift: {
    title: (x) => `${x.id} drifted in the cluster: ${x.name}`,
    summary: (x, p) =>
      `Its PolicyException was ${detail(p, 'change', 'changed')} outside Waiver and has been put back as approved.`,
  },
  no_longer_needed: {
    title: (x) => `${x.id} is no longer needed: ${x.name}`,
    summary: (x, p) =>
      `Every resource it covers in ${detail(p, 'target', 'the cluster')} would now pass ${x.policy} without it. End it early: revoke it.`,
    actions: (x) => [{ label: 'Revoke', command: `waiver revoke ${x.id} --comment "no longer needed"` }],
  },
  sync_failed: {
    title: (x) => `${x.id} cannot be written to the target: ${x.name}`,
    summary: (x, p) =>
      `The ${detail(p, 'operation', 'write')} to ${detail(p, 'target', 'the target')} still fails after retries. The sweep keeps trying.`,
  },
};

/** The message of one notification, whichever channel carries it. */
export function composeMessage(input: MessageInput, context: MessageContext): Message {
  const { event, payload } = input;
  const recipients = [...input.recipients];
  if (event === 'digest') return digestMessage(payload, recipients, context);
  const x = payload.exception;
  if (event === 'rogue' || !x) return rogueMessage(payload, recipients);
  const template = templates[event];
  const facts = exceptionFacts(x, payload);
  return {
    event,
    title: template.title(x),
    summary: template.summary(x, payload),
    facts,
    actions: template.actions?.(x) ?? [],
    link: context.publicUrl && `${context.publicUrl.replace(/\/+$/, '')}/api/v1/exceptions/${x.id}`,
    recipients,
  };
}

function exceptionFacts(x: MessageSnapshot, p: NotificationPayload): Message['facts'] {
  const facts = [
    { label: 'Exception', value: x.id },
    { label: 'Name', value: x.name },
    { label: 'Namespaces', value: x.namespaces.join(', ') },
    { label: 'Policy / rules', value: `${x.policy} / ${x.rules.join(', ')}` },
    { label: 'Ticket', value: x.ticket },
    { label: 'Expires (UTC)', value: expiry(x, p) },
    { label: 'Requestor', value: x.requestor },
    { label: 'Approver', value: x.approver ?? '(not yet approved)' },
    { label: 'Renewals', value: String(x.renewalCount) },
    { label: 'Reason', value: x.reason },
  ];
  const comment = p.details['comment'];
  if (typeof comment === 'string') facts.push({ label: 'Comment', value: comment });
  const error = p.details['error'];
  if (typeof error === 'string') facts.push({ label: 'Error', value: error });
  return facts;
}

function rogueMessage(p: NotificationPayload, recipients: string[]): Message {
  const d = p.details;
  const where = `${detail(p, 'namespace', '?')}/${detail(p, 'name', '?')}`;
  return {
    event: 'rogue',
    title: `Unmanaged PolicyException found: ${where}`,
    summary:
      'A PolicyException exists that did not come through the process. Import it (waiver import) or delete it.',
    facts: [
      { label: 'Object', value: where },
      { label: 'Policies', value: Array.isArray(d['policies']) ? d['policies'].join(', ') : '' },
      {
        label: 'Read by Kyverno',
        value: d['inExceptionNamespace'] === false ? 'no (not in its namespace)' : 'yes',
      },
    ],
    actions: [{ label: 'Import', command: 'waiver import' }],
    link: undefined,
    recipients,
  };
}

interface DigestDetails {
  week: string;
  metrics: {
    activeExceptions: number;
    averageDurationDays: number | null;
    expiredRemovedRate: number | null;
    renewalRate: number | null;
    trend: { slope: number };
    redFlag: boolean;
    targets: Record<string, { target: number; meets: boolean }>;
  };
  expiringNextWeek: {
    id: string;
    name: string;
    namespaces: string[];
    expiresAt: string;
    requestor: string;
  }[];
  expiringNextWeekTotal: number;
}

const percent = (rate: number | null): string => (rate === null ? 'n/a' : `${(rate * 100).toFixed(0)}%`);
const met = (ok: boolean | undefined): string =>
  ok === undefined ? 'no data' : ok ? 'on target' : 'OFF TARGET';

function digestMessage(p: NotificationPayload, recipients: string[], context: MessageContext): Message {
  const d = p.details as unknown as DigestDetails;
  const m = d.metrics;
  const t = m.targets;
  const expiring = d.expiringNextWeek.map((e) => ({
    label: `${e.id} ${e.name}`,
    value: `expires ${e.expiresAt} (${relativeTime(Date.parse(e.expiresAt), Date.parse(p.at))}), ${e.requestor}`,
  }));
  const more = d.expiringNextWeekTotal - d.expiringNextWeek.length;
  return {
    event: 'digest',
    title: `Waiver weekly digest ${d.week}${m.redFlag ? ': exceptions are increasing' : ''}`,
    summary: m.redFlag
      ? 'Red flag: the number of exceptions is increasing. Exceptions should decrease over time.'
      : 'Exceptions are not increasing.',
    facts: [
      {
        label: 'Active exceptions',
        value: `${m.activeExceptions} (trend ${m.trend.slope >= 0 ? '+' : ''}${m.trend.slope.toFixed(2)} a week; ${met(t['trend']?.meets)})`,
      },
      {
        label: 'Average duration',
        value: `${m.averageDurationDays === null ? 'n/a' : `${m.averageDurationDays.toFixed(1)} days`} (target < ${t['averageDurationDays']?.target ?? 14}; ${met(t['averageDurationDays']?.meets)})`,
      },
      {
        label: 'Expired removed',
        value: `${percent(m.expiredRemovedRate)} (target ${percent(t['expiredRemovedRate']?.target ?? 1)}; ${met(t['expiredRemovedRate']?.meets)})`,
      },
      {
        label: 'Renewal rate',
        value: `${percent(m.renewalRate)} (target < ${percent(t['renewalRate']?.target ?? 0.1)}; ${met(t['renewalRate']?.meets)})`,
      },
      { label: 'Expiring next week', value: String(d.expiringNextWeekTotal) },
      ...expiring,
      ...(more > 0 ? [{ label: 'and', value: `${more} more` }] : []),
    ],
    actions: [{ label: 'Review', command: 'waiver review --all' }],
    link: context.publicUrl && `${context.publicUrl.replace(/\/+$/, '')}/api/v1/metrics`,
    recipients,
  };
}
