import type { RequestOrigin } from '../domain/violation-draft.js';
import type { OverlapReport } from '../service/exception-coverage.js';

export const resourceText = (r: { kind: string; namespace: string; name: string }) =>
  `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/** What the filed scope adds to its draft (shouted: the reviewer must see it) and leaves out of it. */
export const scopeChangeText = (origin: RequestOrigin): string =>
  [
    ...origin.widened.map((c) => `  WIDENED ${c.field}: ${c.values.join(', ')}\n`),
    ...origin.narrowed.map((c) => `  narrowed ${c.field}: ${c.values.join(', ')}\n`),
  ].join('');

/** The active exceptions it overlaps, and what they let through together that none does alone. */
export function overlapText(overlap: OverlapReport | null | undefined): string {
  if (!overlap?.exceptions.length) return '';
  return [
    `Overlaps:         ${overlap.exceptions.join(', ')}\n`,
    ...overlap.shared.map((e) => `  both let through ${resourceText(e.resource)} (${e.rule})\n`),
    ...overlap.together.map(
      (e) => `  TOGETHER ONLY ${resourceText(e.resource)} (${e.rule}): ${e.exceptions.join(' + ')}\n`,
    ),
  ].join('');
}

/** The violation it was drafted from, how the filed scope differs, and the exceptions it overlaps. */
export function originText({
  origin,
  overlap,
}: {
  origin: RequestOrigin | null;
  overlap: OverlapReport | null;
}): string {
  if (!origin) return overlapText(overlap);
  const { draft } = origin;
  return [
    `Drafted from:     ${resourceText(draft.from.resource)} failing ${draft.from.policy}, last seen ${draft.from.lastSeen ?? '<unknown>'}\n`,
    ...draft.from.rules.map((r) => `  ${r.rule || draft.from.policy}: ${r.message}\n`),
    `  named by ${draft.basis}: ${draft.why}\n`,
    scopeChangeText(origin),
    overlapText(overlap),
  ].join('');
}
