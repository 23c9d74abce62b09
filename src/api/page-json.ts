import type { ExceptionPage } from '../service/list-exceptions.js';
import { viewJson } from '../service/shared-views.js';

/** The body of GET /exceptions, equal to JSON.stringify(page), without serializing unchanged items again. */
export function pageJson(page: ExceptionPage): string {
  const next = page.continue === undefined ? '' : `,"continue":${JSON.stringify(page.continue)}`;
  return `{"items":[${page.items.map(viewJson).join(',')}]${next}}`;
}
