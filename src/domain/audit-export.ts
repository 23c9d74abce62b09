import type { AuditEvent } from './audit.js';
import { formatId } from './exception.js';

/** RFC 4180 CSV: a cell with a quote, comma or line break is quoted. */
export function csv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';
}

export const auditHeader = ['seq', 'at', 'actor', 'action', 'exceptionId', 'data', 'prevHash', 'hash'];

export const auditCells = (e: AuditEvent): string[] => [
  String(e.seq),
  e.at,
  e.actor,
  e.action,
  e.exceptionId === null ? '' : formatId(e.exceptionId),
  JSON.stringify(e.data),
  e.prevHash,
  e.hash,
];

/** The trail as CSV, for spreadsheets and auditors. */
export const auditCsv = (events: readonly AuditEvent[]): string => csv(auditHeader, events.map(auditCells));

/** The trail as JSON Lines, one event a line, for log pipelines. */
export const auditJsonl = (events: readonly AuditEvent[]): string =>
  events.map((e) => `${JSON.stringify(e)}\n`).join('');
