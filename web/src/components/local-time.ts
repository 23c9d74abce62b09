/**
 * One formatter for every instant shown: building one per call (as `toLocaleString` does) costs more than
 * the rest of a table row, and a page of the inventory shows fifty. No React here: the first paint
 * (first-paint.ts) formats with it too.
 */
let formatter: Intl.DateTimeFormat | undefined;

/** An instant in the viewer's zone and language, e.g. "Dec 27, 2026, 3:04 AM". */
export const inViewersZone = (ms: number): string =>
  (formatter ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })).format(ms);
