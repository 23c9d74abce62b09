import { WaiverError } from './errors.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

const unitMs: Record<string, number> = { s: 1000, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS };

/** `14d`, `12h`, `90m`, `2w` (combinations such as `1d12h` too) to milliseconds. */
export function parseDuration(text: string, field: string): number {
  const trimmed = text.trim();
  const parts = [...trimmed.matchAll(/(\d+)([smhdw])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new WaiverError('usage', `"${text}" is not a duration (use e.g. 14d, 12h, 1d12h)`, field);
  }
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (unitMs[unit ?? 's'] ?? 0), 0);
}

const rfc3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/i;

/** Whether the fields name a real date and time: Date.parse rolls 2026-02-30 over to March 2. */
function realCalendarFields(match: RegExpExecArray): boolean {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = match[9] === undefined || (Number(match[9]) <= 23 && Number(match[10]) <= 59);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 60 &&
    offsetOk
  );
}

/** An RFC3339 instant with a zone, returned in milliseconds. */
export function parseInstant(text: string, field: string): number {
  const match = rfc3339.exec(text.trim());
  const ms = match && realCalendarFields(match) ? Date.parse(text.trim()) : NaN;
  if (Number.isNaN(ms)) {
    throw new WaiverError('usage', `"${text}" is not an RFC3339 instant (e.g. 2026-12-31T00:00:00Z)`, field);
  }
  return ms;
}

/** `--expires`: a duration from now (14d), or an absolute RFC3339 instant. */
export function parseExpiry(text: string, nowMs: number, field = 'expires'): number {
  const trimmed = text.trim();
  if (/^\d+[smhdw]/.test(trimmed)) return nowMs + parseDuration(trimmed, field);
  if (/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) return parseInstant(trimmed, field);
  throw new WaiverError(
    'usage',
    `"${text}" is not a duration (14d) or an RFC3339 instant (2026-12-31T00:00:00Z)`,
    field,
  );
}

/** RFC3339 UTC, whole seconds: what Waiver stores and prints. */
export const toRfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Truncated to whole seconds, so that stored instants round-trip exactly. */
export const wholeSeconds = (ms: number): number => Math.floor(ms / 1000) * 1000;

export function humanDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs >= DAY_MS) {
    const hours = Math.floor((abs % DAY_MS) / HOUR_MS);
    return `${Math.floor(abs / DAY_MS)}d${hours > 0 ? `${hours}h` : ''}`;
  }
  if (abs >= HOUR_MS) return `${Math.floor(abs / HOUR_MS)}h`;
  if (abs >= MINUTE_MS) return `${Math.floor(abs / MINUTE_MS)}m`;
  return `${Math.floor(abs / 1000)}s`;
}

/** "in 7 days", "in 3 hours", "2 days ago": how far `thenMs` is from `nowMs`, in the largest whole unit. */
export function relativeTime(thenMs: number, nowMs: number): string {
  const ms = thenMs - nowMs;
  const abs = Math.abs(ms);
  const [count, unit] =
    abs >= DAY_MS
      ? [Math.floor(abs / DAY_MS), 'day']
      : abs >= HOUR_MS
        ? [Math.floor(abs / HOUR_MS), 'hour']
        : [Math.max(1, Math.floor(abs / MINUTE_MS)), 'minute'];
  const span = `${count} ${unit}${count === 1 ? '' : 's'}`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}
