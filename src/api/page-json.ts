import type { ExceptionPage } from '../service/list-exceptions.js';

/** Listed views are shared and frozen (see shared-views): each is turned into JSON once. */
const serialized = new WeakMap<object, string>();

function jsonOf(view: object): string {
  let text = serialized.get(view);
  if (text === undefined) {
    text = JSON.stringify(view);
    if (Object.isFrozen(view)) serialized.set(view, text);
  }
  return text;
}

/** The body of GET /exceptions, equal to JSON.stringify(page), without serializing unchanged items again. */
export function pageJson(page: ExceptionPage): string {
  const next = page.continue === undefined ? '' : `,"continue":${JSON.stringify(page.continue)}`;
  return `{"items":[${page.items.map(jsonOf).join(',')}]${next}}`;
}
