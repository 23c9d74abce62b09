import { closureReasons, derivedClosure, type ClosureReason } from './controls.js';
import type { ExceptionRecord } from './exception.js';
import { sameIdentity } from './identity.js';
import type { Metrics, Target } from './metrics.js';
import { escapeHtml } from './escape-html.js';

/**
 * The report a person reads: what the period saw (opened and closed, by category and policy; how each
 * ended), separation of duties as the records show it, the process metrics against their targets, and
 * whether the audit trail verifies. Pure: the service gathers, this counts and renders.
 */

export interface ReportPeriod {
  from?: string | undefined;
  /** The instant the report is as of: the metrics are computed then. */
  to: string;
}

export interface Tally {
  opened: number;
  closed: number;
}

export interface DutyEvidence {
  /** Exceptions applied in the period: each had a requestor, an approver and an applier. */
  applied: number;
  requesterNotApprover: number;
  approverNotApplier: number;
  allThreeDistinct: number;
  /** Requests a second person rejected in the period. */
  rejected: number;
  withdrawn: number;
}

export interface CheckpointStatus {
  status: 'verified' | 'failed' | 'not-given';
  message: string;
}

export interface AuditReport {
  period: ReportPeriod;
  byCategory: Record<string, Tally>;
  byPolicy: Record<string, Tally>;
  /** By control the policy implements, keyed `catalog id` (`nist-800-53-rev5 si-7`): what an auditor asks by. */
  byControl: Record<string, Tally>;
  closures: Record<ClosureReason, number>;
  renewals: { requested: number; applied: number };
  duties: DutyEvidence;
  metrics: Metrics;
  verification: { intact: boolean; events: number; message: string };
  checkpoint: CheckpointStatus;
}

export type ReportTallies = Pick<
  AuditReport,
  'byCategory' | 'byPolicy' | 'byControl' | 'closures' | 'renewals' | 'duties'
>;

export const emptyTallies = (): ReportTallies => ({
  byCategory: {},
  byPolicy: {},
  byControl: {},
  closures: Object.fromEntries(closureReasons.map((r) => [r, 0])) as Record<ClosureReason, number>,
  renewals: { requested: 0, applied: 0 },
  duties: {
    applied: 0,
    requesterNotApprover: 0,
    approverNotApplier: 0,
    allThreeDistinct: 0,
    rejected: 0,
    withdrawn: 0,
  },
});

const within = (at: string | null, { from, to }: ReportPeriod): boolean =>
  at !== null && (from === undefined || at >= from) && at < to;

/** Counts one exception into the tallies. Rejected and withdrawn requests count as closed when requested. */
export function tallyException(t: ReportTallies, r: ExceptionRecord, period: ReportPeriod): void {
  const bump = (map: Record<string, Tally>, key: string, field: keyof Tally) => {
    const entry = (map[key] ??= { opened: 0, closed: 0 });
    entry[field] += 1;
  };
  const refused = r.state === 'rejected' || r.state === 'withdrawn';
  if (within(r.requestedAt, period)) {
    bump(t.byCategory, r.category, 'opened');
    bump(t.byPolicy, r.policy, 'opened');
    for (const c of r.controls) bump(t.byControl, `${c.catalog} ${c.id}`, 'opened');
    if (r.renewalOf !== null) t.renewals.requested += 1;
    if (r.state === 'rejected') t.duties.rejected += 1;
    if (r.state === 'withdrawn') t.duties.withdrawn += 1;
  }
  const closedAt = refused ? r.requestedAt : r.removedAt;
  if (within(closedAt, period)) {
    bump(t.byCategory, r.category, 'closed');
    bump(t.byPolicy, r.policy, 'closed');
    for (const c of r.controls) bump(t.byControl, `${c.catalog} ${c.id}`, 'closed');
    const closure = r.closureReason ?? derivedClosure(r.endReason, r.escalatedAt !== null);
    if (closure) t.closures[closure] += 1;
  }
  if (within(r.appliedAt, period) && r.approver !== null && r.applier !== null) {
    if (r.renewalOf !== null) t.renewals.applied += 1;
    const d = t.duties;
    d.applied += 1;
    const ra = !sameIdentity(r.requestor, r.approver, true);
    const aa = !sameIdentity(r.approver, r.applier, true);
    if (ra) d.requesterNotApprover += 1;
    if (aa) d.approverNotApplier += 1;
    if (ra && aa && !sameIdentity(r.requestor, r.applier, true)) d.allThreeDistinct += 1;
  }
}

// ---------------------------------------------------------------- rendering

const percent = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
const days = (v: number | null): string => (v === null ? 'n/a' : `${v.toFixed(1)} days`);
const duration = (s: number | null): string =>
  s === null ? 'n/a' : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
const verdict = (t: Target): string => (t.value === null ? 'n/a' : t.meets ? 'met' : 'MISSED');

export interface ReportSection {
  title: string;
  head: string[];
  rows: string[][];
  note?: string;
}

/** The rows of every table, once: Markdown, HTML and the web UI's report page render the same content. */
export function reportSections(r: AuditReport): ReportSection[] {
  const m = r.metrics;
  const tallies = (map: Record<string, Tally>) =>
    Object.entries(map)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, String(v.opened), String(v.closed)]);
  const d = r.duties;
  return [
    {
      title: 'Process metrics',
      head: ['metric', 'value', 'target', 'status'],
      rows: [
        [
          'active exceptions',
          String(m.activeExceptions),
          'falling',
          m.redFlag ? 'RED FLAG' : verdict(m.targets.trend),
        ],
        ['trend (per week)', m.trend.slope.toFixed(2), '<= 0', verdict(m.targets.trend)],
        [
          'average duration',
          days(m.averageDurationDays),
          `< ${m.targets.averageDurationDays.target} days`,
          verdict(m.targets.averageDurationDays),
        ],
        [
          'expired and removed',
          percent(m.expiredRemovedRate),
          percent(m.targets.expiredRemovedRate.target),
          verdict(m.targets.expiredRemovedRate),
        ],
        [
          'renewal rate',
          percent(m.renewalRate),
          `< ${percent(m.targets.renewalRate.target)}`,
          verdict(m.targets.renewalRate),
        ],
      ],
      note: `As of ${m.at}, over the last ${m.windowDays} days. Weekly active exceptions (${m.trend.weeks[0] ?? ''} on): ${m.trend.weekly.join(', ')}.`,
    },
    {
      title: 'Removal latency (expiry to removal from the target)',
      head: ['median', 'max', 'outstanding'],
      rows: [
        [
          duration(m.removalLatency.medianSeconds),
          duration(m.removalLatency.maxSeconds),
          String(m.removalLatency.outstanding),
        ],
      ],
      ...(m.removalLatency.warning ? { note: m.removalLatency.warning } : {}),
    },
    {
      title: 'Exceptions opened and closed, by category',
      head: ['category', 'opened', 'closed'],
      rows: tallies(r.byCategory),
    },
    {
      title: 'Exceptions opened and closed, by policy',
      head: ['policy', 'opened', 'closed'],
      rows: tallies(r.byPolicy),
    },
    {
      title: 'Exceptions opened and closed, by control the policy implements',
      head: ['control', 'opened', 'closed'],
      rows: tallies(r.byControl),
      ...(Object.keys(r.byControl).length
        ? {}
        : { note: 'no policy is mapped to a control (controls: in the configuration)' }),
    },
    {
      title: 'How exceptions ended',
      head: ['closure reason', 'count'],
      rows: Object.entries(r.closures).map(([k, v]) => [k, String(v)]),
    },
    {
      title: 'Renewals',
      head: ['requested', 'applied'],
      rows: [[String(r.renewals.requested), String(r.renewals.applied)]],
    },
    {
      title: 'Separation of duties',
      head: ['evidence', 'count'],
      rows: [
        ['exceptions applied', String(d.applied)],
        ['requester ≠ approver', String(d.requesterNotApprover)],
        ['approver ≠ applier', String(d.approverNotApplier)],
        ['requester, approver and applier all distinct', String(d.allThreeDistinct)],
        ['requests rejected by a reviewer', String(d.rejected)],
        ['requests withdrawn', String(d.withdrawn)],
      ],
      note: 'Waiver refuses a self-approval, and an approver applying what they approved, before anything changes; such refusals leave no record.',
    },
    {
      title: 'Audit trail',
      head: ['check', 'result'],
      rows: [
        ['hash chain and rows', `${r.verification.intact ? 'intact' : 'BROKEN'}: ${r.verification.message}`],
        ['newest checkpoint', `${r.checkpoint.status}: ${r.checkpoint.message}`],
      ],
    },
  ];
}

export const periodText = (p: ReportPeriod): string => `${p.from ?? 'the beginning'} to ${p.to}`;

const mdCell = (text: string): string =>
  text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ');

export function reportMarkdown(r: AuditReport): string {
  const out = [`# Policy exceptions: audit report`, '', `Period: ${periodText(r.period)}.`, ''];
  for (const s of reportSections(r)) {
    out.push(
      `## ${s.title}`,
      '',
      `| ${s.head.map(mdCell).join(' | ')} |`,
      `|${s.head.map(() => '---').join('|')}|`,
    );
    for (const row of s.rows) out.push(`| ${row.map(mdCell).join(' | ')} |`);
    if (s.note) out.push('', mdCell(s.note));
    out.push('');
  }
  return out.join('\n');
}

/** A page that prints: one column, tables that do not split across pages. */
export function reportHtml(r: AuditReport): string {
  const body = reportSections(r)
    .map(
      (s) =>
        `<section><h2>${escapeHtml(s.title)}</h2><table><thead><tr>${s.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${s.rows
          .map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>${s.note ? `<p>${escapeHtml(s.note)}</p>` : ''}</section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Policy exceptions: audit report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #999;padding:.2rem .6rem;text-align:left}
section{break-inside:avoid;page-break-inside:avoid}@media print{body{margin:0;max-width:none}}
</style></head><body>
<h1>Policy exceptions: audit report</h1>
<p>Period: ${escapeHtml(periodText(r.period))}.</p>
${body}
</body></html>
`;
}
