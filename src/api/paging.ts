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
