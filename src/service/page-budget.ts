/** A page as a caller asks for it: how many items at most, after which, in how many bytes at most. */
export interface PageRequest {
  limit: number;
  /** The `continue` of the previous page. */
  after?: number | undefined;
  /**
   * The most bytes of JSON a page may hold: it ends early, with a `continue`, at the item that would pass
   * it (a page holds at least one item, however large).
   */
  maxBytes?: number | undefined;
}

/** What a page's JSON holds besides its items: `{"items":[]}` and a `continue`. */
const ENVELOPE_BYTES = 64;

/** Counts a page's bytes as items join it; without a ceiling it counts nothing. */
export function byteBudget<T>(maxBytes: number | undefined, bytesOf: (item: T) => number) {
  let used = ENVELOPE_BYTES;
  let count = 0;
  return {
    /** Whether the item fits; if it does, it is counted. */
    fits(item: T): boolean {
      if (maxBytes === undefined) return true;
      const size = bytesOf(item) + 1;
      if (count > 0 && used + size > maxBytes) return false;
      used += size;
      count++;
      return true;
    },
  };
}
