import type { AuditEvent } from '../../domain/audit.js';
import { formatRisk } from '../../domain/controls.js';
import type { CoverageItem } from '../../domain/coverage.js';
import type { RuleVerdict } from '../../domain/evaluate/rule-verdict.js';
import { podSecurityLine } from '../../domain/exemptions.js';
import type { ExceptionView } from '../../domain/view.js';
import { messageOf, WaiverError } from '../../domain/errors.js';
import type { ExceptionEvidence } from '../../domain/report-evidence.js';
import type { Waiver } from '../../service/waiver.js';
import type { CliContext } from '../context.js';
import { evidenceText } from '../evidence-output.js';
import { errorLine } from '../flag-names.js';
import { document, joined, outputFormat, relative } from '../output.js';
import type { EvidenceFlags } from './evidence.js';
import { lastWriteOf } from '../../domain/last-write.js';
import { originText, resourceText } from '../origin-output.js';
import { terminalText } from '../terminal-text.js';

/** `waiver describe <id>`: every field and the audit timeline, like `kubectl describe`. */
export async function run(ctx: CliContext, ref: string, flags: EvidenceFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json', 'yaml']);
  const waiver = await ctx.waiver();
  const detail = await waiver.describe(ref);
  const evidence = await evidenceOrWhyNot(waiver, ref, flags.reportsFrom);
  const radius = detail.exception.state === 'pending' ? await blastRadiusOf(waiver, ref) : undefined;
  if (format !== 'table')
    return ctx.out(
      document(
        {
          ...detail,
          ...(typeof evidence === 'string' ? {} : { evidence }),
          ...(radius ? { blastRadius: radius } : {}),
        },
        format,
      ),
    );
  const proof = typeof evidence === 'string' ? `Evidence:         ${evidence}\n` : evidenceText(evidence);
  ctx.out(
    terminalText(
      `${describeText(detail.exception, detail.history, ctx.clock.now())}${originText(detail)}${radius ? blastRadiusText(radius) : ''}${proof}`,
    ),
  );
}

/** One resource approving the request lets through, and what its rule says with no exception in play. */
interface BlastRadiusResource {
  resource: CoverageItem['resource'];
  /** The rule, or the policy where there is none (a CEL policy). */
  rule: string;
  /** `unknown`: the matcher could not tell, so it may be let through. */
  covered: CoverageItem['covered'];
  /** Absent: no resource data to judge it by. */
  withoutException: RuleVerdict | null;
}

/** A pending request's blast radius, as text and JSON both show it; `error` when the cluster did not answer. */
type BlastRadius =
  { letThrough: number; notLetThrough: number; resources: BlastRadiusResource[] } | { error: string };

const withoutWords: Record<'would-fail' | 'would-pass' | 'unknown', string> = {
  'would-fail': 'would fail without it',
  'would-pass': 'passes anyway (exception not needed for this resource)',
  unknown: 'unknown',
};

/**
 * For a pending request, what approving it lets through on its cluster, and whether each resource would
 * fail without it: the reviewer's question. No cluster target, no blast radius.
 */
async function blastRadiusOf(waiver: Waiver, ref: string): Promise<BlastRadius | undefined> {
  let report;
  try {
    report = await waiver.covers(ref);
  } catch (e) {
    if (e instanceof WaiverError && e.code === 'usage' && e.field === 'target') return undefined;
    return { error: `cannot read the cluster: ${messageOf(e)}` };
  }
  return {
    letThrough: report.items.length,
    notLetThrough: report.notCovered,
    resources: report.items.map((i) => ({
      resource: i.resource,
      rule: i.rule || i.policy,
      covered: i.covered,
      withoutException: i.withoutException ?? null,
    })),
  };
}

function blastRadiusText(radius: BlastRadius): string {
  if ('error' in radius) return `Blast radius:     ${radius.error}\n`;
  const lines = radius.resources.map((r) => {
    const v = r.withoutException;
    const verdict = v
      ? `${withoutWords[v.verdict]}${v.verdict === 'unknown' ? ` (${v.why})` : ''}`
      : 'unknown (no resource data)';
    const covered = r.covered === true ? '' : ' [may be covered]';
    return `  ${resourceText(r.resource)} (${r.rule})${covered}: ${verdict}\n`;
  });
  return `Blast radius:     ${radius.letThrough} let through, ${radius.notLetThrough} not\n${lines.join('')}`;
}

/** The policy reports' evidence where a cluster is configured; otherwise why there is none. */
async function evidenceOrWhyNot(
  waiver: Waiver,
  ref: string,
  reportsFrom: string | undefined,
): Promise<ExceptionEvidence | string> {
  try {
    return await waiver.evidence(ref, reportsFrom);
  } catch (e) {
    // Its target is a folder or a repository, or a cluster this configuration lacks: no reports to read.
    // Asked for with --reports-from, that is the user's mistake, and stops the command as evidence's does.
    if (
      e instanceof WaiverError &&
      e.code === 'usage' &&
      (e.field === 'target' || e.field === 'reportsFrom')
    ) {
      if (reportsFrom !== undefined) throw e;
      return `<no cluster: ${errorLine(e.message, e.field)}>`;
    }
    return `cannot read the policy reports: ${messageOf(e)}`;
  }
}

/** The last confirmed write or delete: a commit SHA or a resourceVersion, and a pull request waiting or merged. */
function lastWrite(v: ExceptionView): string | null {
  const { revision, proposal } = lastWriteOf(v);
  return [revision, proposal && `${proposal.label} ${proposal.url}`].filter(Boolean).join(', ') || null;
}

function describeText(v: ExceptionView, history: readonly AuditEvent[], nowMs: number): string {
  const field = (label: string, value: string | number | null): string =>
    `${`${label}:`.padEnd(18)}${value ?? '<none>'}\n`;
  const timeline = history.map((e) => `  ${e.at}  ${e.action.padEnd(18)}${e.actor}${summary(e)}\n`).join('');
  return [
    field('ID', v.id),
    field('Name', v.name),
    field('State', `${v.state}${v.endReason ? ` (${v.endReason})` : ''}${v.escalated ? ', escalated' : ''}`),
    field('Target', v.target),
    field('Sync', `${v.syncStatus}${v.syncError ? `: ${v.syncError}` : ''}`),
    field('Last write', lastWrite(v)),
    field('Policy', v.policy),
    field('Rules', joined(v.rules)),
    field('Kinds', joined(v.kinds)),
    field('Namespaces', joined(v.namespaces)),
    field('Names', joined(v.names)),
    ...exemptionLines(v, field),
    field('Category', v.category),
    field('Ticket', v.ticket),
    field('Reason', v.reason),
    field('Risk assessment', v.riskAssessment),
    field('Risk before', v.riskRating && formatRisk(v.riskRating.before)),
    field('Risk after', v.riskRating?.after ? formatRisk(v.riskRating.after) : null),
    field('Compensating', v.compensatingControls),
    // Each on its own line: an expression is code the reviewer reads, not a list to skim.
    ...v.validations.map((expression, i) =>
      i === 0 ? field('Validations', expression) : `${''.padEnd(18)}${expression}\n`,
    ),
    field('False positive', v.falsePositive),
    field('Controls', v.controls.length ? v.controls.map((c) => `${c.catalog} ${c.id}`).join(', ') : null),
    field('Expires', `${v.expiresAt} (${expiryNote(v, nowMs)})`),
    field('Requestor', `${v.requestor} at ${v.requestedAt}`),
    field('Approver', v.approver && `${v.approver} at ${v.approvedAt ?? ''}`),
    field('Applier', v.applier && `${v.applier} at ${v.appliedAt ?? ''}`),
    field('Removed', v.removedAt && `${v.removedAt}${simulated(v.removedAt, nowMs)}`),
    field('Closure', v.closureReason),
    field('Renewal of', v.renewalOf),
    field('Renewals', v.renewalCount),
    'Events:\n',
    timeline || '  <none>\n',
  ].join('');
}

/** What it exempts inside its scope, only where it says: one line per Pod Security entry. */
function exemptionLines(v: ExceptionView, field: (label: string, value: string) => string): string[] {
  return [
    ...v.podSecurity.map((e, i) =>
      i === 0 ? field('Pod Security', podSecurityLine(e)) : `${' '.repeat(18)}${podSecurityLine(e)}\n`,
    ),
    ...(v.images.length ? [field('Images', joined(v.images))] : []),
    ...(v.allowedValues.length ? [field('Allowed values', joined(v.allowedValues))] : []),
  ];
}

/** A removal dated after now was done by a sweep run ahead of the clock (`sweep --now`), not yet due. */
const simulated = (at: string, nowMs: number): string =>
  Date.parse(at) > nowMs ? ` (${relative(at, nowMs)}: simulated ahead of time by sweep --now)` : '';

function summary(e: AuditEvent): string {
  const parts = ['comment', 'error', 'operation', 'endReason', 'closureReason', 'by']
    .filter((k) => e.data[k] !== undefined)
    .map((k) => `${k}=${String(e.data[k])}`);
  return parts.length ? `  ${parts.join(' ')}` : '';
}

/** An exception that ended early never reaches its expiry: "in 4d" would read as still in force. */
function expiryNote(v: ExceptionView, nowMs: number): string {
  const ended = ['removed', 'rejected', 'withdrawn'].includes(v.state);
  if (ended && Date.parse(v.expiresAt) > nowMs) return `not reached: ${v.state}`;
  return relative(v.expiresAt, nowMs);
}
