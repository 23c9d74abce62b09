import type { ExceptionRecord } from '../domain/exception.js';

/**
 * Committed records by id and version. A version changes with every update, so an entry is either
 * exactly the stored row or unused: listing reads ids and versions (cheap) and parses only what
 * changed. Entries are frozen, because every caller shares them.
 */
export class RecordCache {
  private readonly entries = new Map<number, ExceptionRecord>();

  constructor(private readonly capacity = 50_000) {}

  get(id: number, version: number): ExceptionRecord | undefined {
    const hit = this.entries.get(id);
    return hit?.version === version ? hit : undefined;
  }

  put(record: ExceptionRecord): ExceptionRecord {
    // Bounded memory: past capacity the cache starts over rather than tracking recency.
    if (this.entries.size >= this.capacity) this.entries.clear();
    const frozen = Object.freeze({
      ...record,
      rules: Object.freeze([...record.rules]),
      kinds: Object.freeze([...record.kinds]),
      namespaces: Object.freeze([...record.namespaces]),
      names: Object.freeze([...record.names]),
    }) as ExceptionRecord;
    this.entries.set(record.id, frozen);
    return frozen;
  }
}
