/** The cluster's objects of some kinds: what `covers` matches an exception against. */
export interface InventoryObjects {
  objects: Record<string, unknown>[];
  /** The kinds listed, as apiVersion/Kind. */
  kinds: string[];
  /** Kind selectors that name no kind the inventory lists. */
  skipped: string[];
  /** More objects than the inventory reads at once: the answer covers the first ones only. */
  truncated: boolean;
}
