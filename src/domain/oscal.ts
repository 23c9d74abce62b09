import type { AuditEvent } from './audit.js';
import { derivedClosure, riskLevel, type ControlRef, type RiskScore } from './controls.js';
import { formatId, type ExceptionRecord } from './exception.js';
import { validationCondition } from './render-cel.js';

/**
 * Exceptions and their audit events as OSCAL 1.1 documents: a POA&M with one `risk` per exception (the
 * deviation it grants, FedRAMP's status sequence open → deviation-requested → deviation-approved →
 * closed), and assessment results with one finding per exception. Pure: every UUID is derived from an id
 * by `uuid` (version 5, fixed namespace), and every date comes from the data, so the same history gives
 * the same document, byte for byte.
 */

export const OSCAL_VERSION = '1.1.3';
export const FEDRAMP_NS = 'https://fedramp.gov/ns/oscal';
/** Waiver's own properties and its risk scale. */
export const WAIVER_NS = 'https://waiver.dev/ns/oscal';
export const oscalModels = ['poam', 'assessment-results'] as const;
export type OscalModel = (typeof oscalModels)[number];

export type UuidOf = (name: string) => string;

/** What an export covers: exceptions alive at some time in [from, to), and events before `to`. */
export interface OscalPeriod {
  /** RFC3339; absent: from the beginning. */
  from?: string | undefined;
  /** RFC3339, exclusive; absent: everything recorded. */
  to?: string | undefined;
}

export interface OscalContext {
  uuid: UuidOf;
  period: OscalPeriod;
}

export type RiskStatus = 'open' | 'deviation-requested' | 'deviation-approved' | 'closed';
type Prop = { name: string; ns?: string; value: string; class?: string };
type Json = Record<string, unknown>;

/** Does the exception belong in the period: requested before its end and not ended before its start. */
export function inPeriod(record: ExceptionRecord, { from, to }: OscalPeriod): boolean {
  if (to !== undefined && record.requestedAt >= to) return false;
  // A refused or withdrawn request keeps no end instant: it ended soon after it was made.
  const ended =
    record.removedAt ??
    (record.state === 'rejected' || record.state === 'withdrawn' ? record.requestedAt : null);
  return from === undefined || ended === null || ended >= from;
}

export const eventsBefore = (events: readonly AuditEvent[], { to }: OscalPeriod): AuditEvent[] =>
  to === undefined ? [...events] : events.filter((e) => e.at < to);

export const partyUuid = (uuid: UuidOf, identity: string): string => uuid(`party:${identity}`);

/** What an event does to the deviation's status, if anything. */
function statusAfter(event: AuditEvent): RiskStatus | undefined {
  switch (event.action) {
    case 'requested':
    case 'renewal_requested':
      return 'deviation-requested';
    case 'approved':
    case 'imported':
      return 'deviation-approved';
    case 'rejected':
    case 'withdrawn':
    case 'revoked':
    case 'expired':
      return 'closed';
    case 'removed':
      // A renewal's apply removes its predecessor: the deviation it granted ends there.
      return event.data['endReason'] === 'superseded' || event.data['closureReason'] !== undefined
        ? 'closed'
        : undefined;
    default:
      return undefined;
  }
}

const words: Partial<Record<AuditEvent['action'], string>> = {
  requested: 'Deviation requested',
  renewal_requested: 'Renewal requested',
  approved: 'Deviation approved (risk accepted)',
  rejected: 'Deviation rejected',
  withdrawn: 'Request withdrawn',
  applied: 'Exception applied to its target',
  synced: 'Target confirmed the change',
  sync_failed: 'Target write failed',
  reminded: 'Expiry reminder sent',
  expired: 'Exception expired and removed',
  removed: 'Exception removed',
  revoked: 'Exception revoked',
  escalated: 'Escalated to a policy change',
  drift_detected: 'Drift detected on the target',
  imported: 'Adopted from the cluster',
  change_proposed: 'Change proposed for review',
  target_assigned: 'Target assigned',
};

function eventDescription(record: ExceptionRecord, event: AuditEvent): string {
  const detail = ['comment', 'closureReason', 'endReason', 'error']
    .filter((k) => typeof event.data[k] === 'string')
    .map((k) => `${k}: ${String(event.data[k])}`);
  return `${event.actor} ${event.action.replace(/_/g, ' ')} ${formatId(record.id)} at ${event.at}.${
    detail.length ? ` ${detail.join('; ')}.` : ''
  }`;
}

/** The risk-log entries of one exception and the status they leave it in. */
export function riskLog(
  record: ExceptionRecord,
  events: readonly AuditEvent[],
  uuid: UuidOf,
): { entries: Json[]; status: RiskStatus; approved: boolean } {
  const entries: Json[] = [];
  let status: RiskStatus = 'open';
  let approved = false;
  for (const event of events) {
    const next = statusAfter(event);
    if (event.action === 'requested' || event.action === 'renewal_requested') {
      // The risk exists before anyone asks to deviate: the policy does not hold for this scope.
      entries.push({
        uuid: uuid(`risk-log:${event.seq}:open`),
        title: 'Risk identified',
        description: `${formatId(record.id)} asks to suspend ${record.policy} for ${scopeText(record)}.`,
        start: event.at,
        'logged-by': [{ 'party-uuid': partyUuid(uuid, event.actor) }],
        'status-change': 'open',
      });
    }
    if (next === 'deviation-approved') approved = true;
    if (next !== undefined) status = next;
    entries.push({
      uuid: uuid(`risk-log:${event.seq}`),
      title: words[event.action] ?? event.action,
      description: eventDescription(record, event),
      start: event.at,
      'logged-by': [{ 'party-uuid': partyUuid(uuid, event.actor) }],
      ...(next ? { 'status-change': next } : {}),
      props: [{ name: 'audit-seq', ns: WAIVER_NS, value: String(event.seq) }],
    });
  }
  return { entries, status, approved };
}

const scopeText = (r: ExceptionRecord): string =>
  `${r.kinds.join(', ')} named ${r.names.join(', ')} in namespace${r.namespaces.length > 1 ? 's' : ''} ${r.namespaces.join(', ')}`;

/** FedRAMP's deviation props take investigating, pending, approved or withdrawn. */
function deviationValue(status: RiskStatus, approved: boolean): string {
  if (status === 'deviation-requested') return 'pending';
  if (status === 'deviation-approved' || approved) return 'approved';
  return status === 'open' ? 'investigating' : 'withdrawn';
}

const controlProps = (controls: readonly ControlRef[]): Prop[] =>
  controls.map((c) =>
    c.catalog === 'nist-800-53-rev5'
      ? { name: 'impacted-control-id', ns: FEDRAMP_NS, value: c.id.toLowerCase() }
      : { name: 'impacted-control-id', ns: WAIVER_NS, class: c.catalog, value: c.id },
  );

const facets = (score: RiskScore, state: 'initial' | 'adjusted'): Json[] => [
  ...(['likelihood', 'impact'] as const).map((name) => ({
    name,
    system: WAIVER_NS,
    value: String(score[name]),
    props: [
      { name: 'state', value: state },
      { name: 'scale', ns: WAIVER_NS, value: '1-5' },
    ],
  })),
  {
    name: 'risk',
    system: WAIVER_NS,
    value: riskLevel(score),
    props: [{ name: 'state', value: state }],
  },
];

const exceptionProps = (record: ExceptionRecord, closure: string | null): Prop[] => [
  { name: 'exception-id', ns: WAIVER_NS, value: formatId(record.id) },
  { name: 'exception-name', ns: WAIVER_NS, value: record.name },
  { name: 'category', ns: WAIVER_NS, value: record.category },
  { name: 'ticket', ns: WAIVER_NS, value: record.ticket },
  { name: 'policy', ns: WAIVER_NS, value: record.policy },
  { name: 'target', ns: WAIVER_NS, value: record.target },
  ...(record.renewalOf !== null
    ? [{ name: 'renewal-of', ns: WAIVER_NS, value: formatId(record.renewalOf) }]
    : []),
  ...(closure ? [{ name: 'closure-reason', ns: WAIVER_NS, value: closure }] : []),
];

/** The POA&M `risk` of one exception: the deviation, its rating, its mitigations and its log. */
export function poamRisk(record: ExceptionRecord, events: readonly AuditEvent[], ctx: OscalContext): Json {
  const { uuid } = ctx;
  const log = riskLog(record, eventsBefore(events, ctx.period), uuid);
  const closure = log.status === 'closed' ? closureOf(record, log) : null;
  const deviation = deviationValue(log.status, log.approved);
  const rating = record.riskRating;
  const mitigations = mitigatingFactors(record, uuid);
  return {
    uuid: uuid(`risk:${record.id}`),
    title: `${formatId(record.id)}: ${record.policy} suspended for ${record.names.join(', ')}`,
    description: record.reason,
    statement: `Kyverno policy ${record.policy}${record.rules.length ? ` (rules ${record.rules.join(', ')})` : ''} is not enforced for ${scopeText(record)} until ${record.expiresAt}. Category: ${record.category}; ticket ${record.ticket}.${record.riskAssessment ? ` Risk assessment: ${record.riskAssessment}.` : ''}`,
    props: [
      ...controlProps(record.controls),
      // Every exception is an operational requirement; it is also a false positive when the requester
      // said so, and a risk adjustment when compensating controls lowered its rating. Each claim is
      // approved with the request, pending until then, withdrawn if it was refused.
      { name: 'operational-requirement', ns: FEDRAMP_NS, value: deviation },
      ...(record.falsePositive ? [{ name: 'false-positive', ns: FEDRAMP_NS, value: deviation }] : []),
      ...(riskAdjusted(record) ? [{ name: 'risk-adjustment', ns: FEDRAMP_NS, value: deviation }] : []),
      ...exceptionProps(record, closure),
    ],
    status: log.status,
    origins: [{ actors: [{ type: 'party', 'actor-uuid': partyUuid(uuid, record.requestor) }] }],
    ...(rating
      ? {
          characterizations: [
            {
              origin: { actors: [{ type: 'party', 'actor-uuid': partyUuid(uuid, record.requestor) }] },
              facets: [
                ...facets(rating.before, 'initial'),
                ...(rating.after ? facets(rating.after, 'adjusted') : []),
              ],
            },
          ],
        }
      : {}),
    ...(mitigations.length ? { 'mitigating-factors': mitigations } : {}),
    deadline: record.expiresAt,
    ...(log.entries.length ? { 'risk-log': { entries: log.entries } } : {}),
    'related-observations': relatedObservations(record, ctx),
  };
}

/**
 * What lessens the risk: the compensating controls as stated, then each compensating validation, which
 * Kyverno enforces rather than a person promising it. The controls keep the UUID they always had; each
 * validation's is derived from its place in the record, as its match condition is named.
 */
function mitigatingFactors(record: ExceptionRecord, uuid: UuidOf): Json[] {
  const count = record.validations.length;
  return [
    ...(record.compensatingControls
      ? [{ uuid: uuid(`mitigating-factor:${record.id}`), description: record.compensatingControls }]
      : []),
    ...record.validations.map((expression, i) => ({
      uuid: uuid(`mitigating-factor:${record.id}:validation:${i}`),
      props: [{ name: 'match-condition', ns: WAIVER_NS, value: validationCondition(i) }],
      description: `Compensating validation ${i + 1} of ${count}: a CEL check Kyverno evaluates before the exception applies (match condition ${validationCondition(i)}); the exception lets through only resources for which it is true: ${markdownCode(expression)}`,
    })),
  ];
}

/** Inline code in OSCAL's Markdown, so `*` and `_` in CEL stay characters; a backtick in it needs two. */
const markdownCode = (text: string): string => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

/**
 * FedRAMP's risk adjustment: an adjusted rating that at least one mitigating factor (the compensating
 * controls) justifies. A rating lowered with no stated control is shown, but not claimed as one.
 */
const riskAdjusted = (record: ExceptionRecord): boolean =>
  Boolean(record.riskRating?.after) && record.compensatingControls !== null;

/** The observations behind a risk: the exception itself, and one for each deviation claimed beyond it. */
function relatedObservations(record: ExceptionRecord, ctx: OscalContext): Json[] {
  return [
    `observation:${record.id}`,
    ...(record.falsePositive ? [`observation:${record.id}:false-positive`] : []),
    ...(riskAdjusted(record) ? [`observation:${record.id}:risk-adjustment`] : []),
  ].map((key) => ({ 'observation-uuid': ctx.uuid(key) }));
}

/** Why it ended: recorded on the record, or implied by how it ended; for a refused request, its refusal. */
function closureOf(record: ExceptionRecord, log: { approved: boolean }): string | null {
  if (record.closureReason) return record.closureReason;
  const derived = derivedClosure(record.endReason, record.escalatedAt !== null);
  if (derived) return derived;
  if (record.state === 'rejected') return 'rejected';
  if (record.state === 'withdrawn') return 'withdrawn';
  return log.approved ? 'closed' : null;
}

/** Where the evidence of what an exception let through lives: the API answers it for any exception. */
function relevantEvidence(record: ExceptionRecord): Json[] {
  const id = formatId(record.id);
  return [
    {
      href: `/api/v1/exceptions/${id}/evidence`,
      description: `PolicyReport results that name ${record.name}: the resources it let through.`,
    },
    {
      href: `/api/v1/exceptions/${id}/covers`,
      description: `The covers snapshot: what ${id} lets through in its target now, by Kyverno's matching.`,
    },
    {
      href: `/api/v1/audit?exception=${id}`,
      description: `The hash-chained audit trail of ${id}.`,
    },
  ];
}

/**
 * The observations behind a risk: the exception as requested (who asked, where the evidence is), and,
 * as FedRAMP's POA&M guide has each deviation, one of type `false-positive` holding the requester's
 * statement and one of type `risk-adjustment` holding the adjusted rating and its mitigating factor.
 */
export function poamObservations(record: ExceptionRecord, ctx: OscalContext): Json[] {
  const { uuid } = ctx;
  const origins = [{ actors: [{ type: 'party', 'actor-uuid': partyUuid(uuid, record.requestor) }] }];
  const rating = record.riskRating;
  return [
    poamObservation(record, ctx),
    ...(record.falsePositive
      ? [
          {
            uuid: uuid(`observation:${record.id}:false-positive`),
            title: `${formatId(record.id)}: stated false positive`,
            description: `${record.requestor} states that ${record.policy}'s finding is a false positive for ${scopeText(record)}: ${record.falsePositive}`,
            methods: ['EXAMINE'],
            types: ['false-positive'],
            origins,
            'relevant-evidence': relevantEvidence(record),
            collected: record.requestedAt,
          },
        ]
      : []),
    ...(rating?.after && record.compensatingControls !== null
      ? [
          {
            uuid: uuid(`observation:${record.id}:risk-adjustment`),
            title: `${formatId(record.id)}: risk adjusted by compensating controls`,
            description: `Risk ${riskLevel(rating.before)} (likelihood ${rating.before.likelihood}, impact ${rating.before.impact}) adjusted to ${riskLevel(rating.after)} (likelihood ${rating.after.likelihood}, impact ${rating.after.impact}) by: ${record.compensatingControls}`,
            methods: ['EXAMINE'],
            types: ['risk-adjustment'],
            origins,
            collected: record.requestedAt,
          },
        ]
      : []),
  ];
}

/** The observation of the exception as requested, who asked, and where the evidence is. */
function poamObservation(record: ExceptionRecord, ctx: OscalContext): Json {
  const { uuid } = ctx;
  return {
    uuid: uuid(`observation:${record.id}`),
    title: `${formatId(record.id)} (${record.name})`,
    description: `Exception ${formatId(record.id)} to ${record.policy} for ${scopeText(record)}, requested by ${record.requestor}: ${record.reason}`,
    props: exceptionProps(record, null),
    methods: ['EXAMINE'],
    types: ['finding', 'operational-requirement'],
    origins: [{ actors: [{ type: 'party', 'actor-uuid': partyUuid(uuid, record.requestor) }] }],
    'relevant-evidence': relevantEvidence(record),
    collected: record.requestedAt,
  };
}

/** The POA&M item linking an exception's observation and risk. */
export function poamItem(record: ExceptionRecord, ctx: OscalContext): Json {
  const { uuid } = ctx;
  return {
    uuid: uuid(`poam-item:${record.id}`),
    title: `${formatId(record.id)}: exception to ${record.policy}`,
    description: record.reason,
    props: [
      { name: 'POAM-ID', ns: FEDRAMP_NS, value: formatId(record.id) },
      ...record.controls.map((c) => ({
        name: 'related-control',
        ns: WAIVER_NS,
        class: c.catalog,
        value: c.id,
      })),
    ],
    'related-observations': relatedObservations(record, ctx),
    'related-risks': [{ 'risk-uuid': uuid(`risk:${record.id}`) }],
  };
}

/**
 * The assessment-results finding of one exception: its control objective (the policy) is not satisfied
 * for its scope while the deviation stands; it is again once the exception ended.
 */
export function assessmentFinding(
  record: ExceptionRecord,
  events: readonly AuditEvent[],
  ctx: OscalContext,
): Json {
  const { uuid } = ctx;
  const log = riskLog(record, eventsBefore(events, ctx.period), uuid);
  const standing = log.status === 'deviation-approved';
  const control = record.controls.find((c) => c.catalog === 'nist-800-53-rev5');
  return {
    uuid: uuid(`finding:${record.id}`),
    title: `${formatId(record.id)}: ${record.policy} ${standing ? 'suspended' : 'not suspended'} for ${record.names.join(', ')}`,
    description: `${record.reason} (${log.status})`,
    props: exceptionProps(record, log.status === 'closed' ? closureOf(record, log) : null),
    target: {
      type: 'objective-id',
      'target-id': control ? `${control.id.toLowerCase()}_obj` : policyObjective(record.policy),
      status: { state: standing ? 'not-satisfied' : 'satisfied', reason: 'other' },
    },
    'related-observations': [{ 'observation-uuid': uuid(`observation:${record.id}`) }],
    'related-risks': [{ 'risk-uuid': uuid(`risk:${record.id}`) }],
  };
}

/**
 * The objective of a policy no NIST control is mapped to, as the OSCAL token a `target-id` must be
 * (letters, digits, `.`, `-`, `_`): a CEL policy's `Kind/name` or a namespaced `ns/name` has a slash, which
 * becomes `_`, a character neither Kubernetes names nor kinds hold.
 */
const policyObjective = (policy: string): string => `policy.${policy.replaceAll('/', '_')}`;

export interface OscalSummary {
  /** The newest event the document includes, or undefined with none. */
  lastSeq: number | undefined;
  lastAt: string | undefined;
  firstAt: string | undefined;
  parties: ReadonlySet<string>;
  /** NIST 800-53 controls named by the exceptions' mappings. */
  controls: ReadonlySet<string>;
}

/** The metadata, written last because its parties and last-modified are known only after the walk. */
export function oscalMetadata(model: OscalModel, summary: OscalSummary, ctx: OscalContext): Json {
  const { uuid, period } = ctx;
  const modified = summary.lastAt ?? period.to ?? '1970-01-01T00:00:00Z';
  return {
    title:
      model === 'poam'
        ? 'Waiver: plan of action and milestones for Kyverno policy exceptions'
        : 'Waiver: assessment results of Kyverno policy exceptions',
    'last-modified': modified,
    version: `audit-seq-${summary.lastSeq ?? 0}`,
    'oscal-version': OSCAL_VERSION,
    ...(period.from || period.to
      ? {
          props: [
            ...(period.from ? [{ name: 'period-start', ns: WAIVER_NS, value: period.from }] : []),
            ...(period.to ? [{ name: 'period-end', ns: WAIVER_NS, value: period.to }] : []),
          ],
        }
      : {}),
    ...(summary.parties.size
      ? {
          parties: [...summary.parties].sort().map((name) => ({
            uuid: partyUuid(uuid, name),
            type: 'person',
            name,
          })),
        }
      : {}),
  };
}

/** The document's own UUID: one per model, period and trail head, so a new event makes a new revision. */
export const documentUuid = (model: OscalModel, summary: OscalSummary, ctx: OscalContext): string =>
  ctx.uuid(`${model}:${ctx.period.from ?? ''}:${ctx.period.to ?? ''}:${summary.lastSeq ?? 0}`);

/** The assessment-results `result` around the findings: the period and the controls reviewed. */
export function assessmentResultHead(summary: OscalSummary, ctx: OscalContext): Json {
  const controls = [...summary.controls].sort();
  return {
    uuid: ctx.uuid(`result:${ctx.period.from ?? ''}:${ctx.period.to ?? ''}`),
    title: 'Kyverno policy exceptions in the period',
    description:
      'Each finding is one policy exception: while it stands, its policy is not enforced for its scope.',
    start: ctx.period.from ?? summary.firstAt ?? summary.lastAt ?? '1970-01-01T00:00:00Z',
    ...(ctx.period.to ? { end: ctx.period.to } : {}),
    'reviewed-controls': {
      'control-selections': [
        controls.length
          ? { 'include-controls': controls.map((id) => ({ 'control-id': id })) }
          : { 'include-all': {} },
      ],
    },
  };
}
