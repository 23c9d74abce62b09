import type { ExceptionPage } from '../service/list-exceptions.js';
import { viewBytes, viewJson } from '../service/shared-views.js';

/** Past this, a page is sent a piece at a time: no megabyte string is made for it, nor buffered whole. */
const STREAMED_PAGE_BYTES = 64 * 1024;

/** The body of GET /exceptions, equal to JSON.stringify(page), without serializing unchanged items again. */
export function pageJson(page: ExceptionPage): string | Iterable<string> {
  const next = page.continue === undefined ? '' : `,"continue":${JSON.stringify(page.continue)}`;
  const bytes = page.items.reduce((sum, view) => sum + viewBytes(view), 0);
  if (bytes <= STREAMED_PAGE_BYTES) return `{"items":[${page.items.map(viewJson).join(',')}]${next}}`;
  return pieces(page, next);
}

function* pieces(page: ExceptionPage, next: string): Generator<string> {
  yield '{"items":[';
  for (const [i, view] of page.items.entries()) yield i === 0 ? viewJson(view) : `,${viewJson(view)}`;
  yield `]${next}}`;
}
