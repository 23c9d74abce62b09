import type { AuditEvent } from './audit.js';
import { formatId } from './exception.js';

const cell = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** One RFC 4180 CSV line: a cell with a quote, comma or line break is quoted. */
export const csvLine = (cells: readonly string[]): string => `${cells.map(cell).join(',')}\n`;

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

/** One event as a JSON Lines line. */
export const auditJsonLine = (e: AuditEvent): string => `${JSON.stringify(e)}\n`;
