/** What a listing query selected: ids and versions, in order. */
export type SelectedKeys = readonly { id: number; version: number }[];

/**
 * Listing results by query, valid for one store version. Every write transaction bumps that version
 * (in the database, so other processes' writes count too): a cached result is either what the query
 * would return now, or it is not used.
 */
export class QueryCache {
  private readonly entries = new Map<string, { version: number; keys: SelectedKeys }>();

  constructor(private readonly capacity = 1_000) {}

  get(query: string, version: number): SelectedKeys | undefined {
    const hit = this.entries.get(query);
    return hit?.version === version ? hit.keys : undefined;
  }

  put(query: string, version: number, keys: SelectedKeys): void {
    if (this.entries.size >= this.capacity) this.entries.clear();
    this.entries.set(query, { version, keys });
  }
}
