import { unambiguousYaml } from '../domain/yaml-text.js';
import { WaiverError } from '../domain/errors.js';
import { humanDuration } from '../domain/time.js';
import { cellText } from './terminal-text.js';

export interface OutputFlags {
  output?: string;
}

export interface InstantFlags extends OutputFlags {
  now?: string;
}

export const formats = ['table', 'wide', 'json', 'yaml', 'name', 'jsonl', 'csv'] as const;
export type OutputFormat = (typeof formats)[number];

/** Validates `-o` against what a command supports. */
export function outputFormat<F extends OutputFormat>(value: string | undefined, allowed: readonly F[]): F {
  const format = (value ?? allowed[0]) as F;
  if (!allowed.includes(format)) {
    throw new WaiverError(
      'usage',
      `output format "${value ?? ''}" is not supported here; use one of ${allowed.join(', ')}`,
      'output',
    );
  }
  return format;
}

/** kubectl-style columns: upper-case headers, left-aligned, three spaces apart. */
export function table(header: readonly string[], given: readonly (readonly string[])[]): string {
  const rows = given.map((r) => r.map(cellText));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function document(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : unambiguousYaml(value);
}

/** "in 6d", "3h ago": how an instant relates to now. */
export function relative(iso: string | null, nowMs: number): string {
  if (iso === null) return '<none>';
  const delta = Date.parse(iso) - nowMs;
  return delta >= 0 ? `in ${humanDuration(delta)}` : `${humanDuration(delta)} ago`;
}

export const joined = (values: readonly string[]): string => (values.length ? values.join(',') : '<none>');
