import type { ExceptionRecord } from '../domain/exception.js';
import { exceptionTextSize } from '../domain/exception-size.js';

/**
 * Committed records by id and version. A version changes with every update, so an entry is either
 * exactly the stored row or unused: listing reads ids and versions (cheap) and parses only what
 * changed. Entries are frozen, because every caller shares them.
 */
export class RecordCache {
  private readonly entries = new Map<number, ExceptionRecord>();
  private characters = 0;

  /**
   * Bounded by count and by text: a record's shared view and its JSON live as long as the record does,
   * so 10,000 of the largest exceptions (16 KiB of text each) would hold about three times their text.
   */
  constructor(
    private readonly capacity = 50_000,
    private readonly maxCharacters = 32 * 1024 * 1024,
  ) {}

  get(id: number, version: number): ExceptionRecord | undefined {
    const hit = this.entries.get(id);
    return hit?.version === version ? hit : undefined;
  }

  put(record: ExceptionRecord): ExceptionRecord {
    const size = exceptionTextSize(record);
    const replaced = this.entries.get(record.id);
    if (replaced) {
      this.entries.delete(record.id);
      this.characters -= exceptionTextSize(replaced);
    }
    // Bounded memory: past capacity the cache starts over rather than tracking recency.
    if (this.entries.size >= this.capacity || this.characters + size > this.maxCharacters) {
      this.entries.clear();
      this.characters = 0;
    }
    const frozen = Object.freeze({
      ...record,
      rules: Object.freeze([...record.rules]),
      kinds: Object.freeze([...record.kinds]),
      namespaces: Object.freeze([...record.namespaces]),
      names: Object.freeze([...record.names]),
    }) as ExceptionRecord;
    this.entries.set(record.id, frozen);
    this.characters += size;
    return frozen;
  }
}
