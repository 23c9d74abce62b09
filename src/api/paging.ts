/**
 * The most bytes of JSON one page of the inventory or the trail holds: 500 exceptions of ordinary size
 * fit, 500 of the largest the guardrails allow would be about 8 MB, and many such answers at once would
 * pass a pod's memory limit. A page that reaches it ends early with a `continue`.
 */
export const MAX_PAGE_BYTES = 1024 * 1024;

/** One page of a listing: `continue` is where the next one starts, absent on the last. */
export interface Page<T> {
  items: T[];
  continue?: string;
}

/** Every page of a listing, from `first` (or the first one fetched) to the last. */
export async function* pages<T>(
  next: (after: number | undefined) => Promise<Page<T>>,
  first?: Page<T>,
): AsyncGenerator<Page<T>> {
  let page = first ?? (await next(undefined));
  for (;;) {
    yield page;
    if (page.continue === undefined) return;
    page = await next(Number(page.continue));
  }
}
