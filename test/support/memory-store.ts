import { nextLink, recordDigest, type AuditEvent, type NewAuditEvent } from '../../src/domain/audit.js';
import { WaiverError } from '../../src/domain/errors.js';
import {
  formatId,
  type ExceptionRecord,
  type NewExceptionRecord,
  type State,
} from '../../src/domain/exception.js';
import type {
  ApiToken,
  AuditQuery,
  ExceptionQuery,
  ExceptionStore,
  StoredToken,
  StoreWriter,
} from '../../src/service/ports.js';
import { sha256 } from '../../src/service/sha256.js';

/** Everything a store holds: what a database file or a PostgreSQL database is to the real stores. */
export interface MemoryDatabase {
  exceptions: Map<number, ExceptionRecord>;
  nextId: number;
  audit: AuditEvent[];
  tokens: StoredToken[];
}

/** One database and what its users share: the leases (outside transactions) and the write queue. */
export interface MemoryServer {
  db: MemoryDatabase;
  leases: Map<string, { holder: string; expiresMs: number }>;
  /** Transactions run one at a time, whichever store opened them. */
  queue: Promise<unknown>;
}

export const memoryServer = (): MemoryServer => ({
  db: { exceptions: new Map(), nextId: 1, audit: [], tokens: [] },
  leases: new Map(),
  queue: Promise.resolve(),
});

const copy = <T>(value: T): T => structuredClone(value);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Reads and writes over one database value: the committed one, or a transaction's draft. */
class MemoryAccess implements StoreWriter {
  constructor(protected readonly db: () => MemoryDatabase) {}

  getException(id: number): Promise<ExceptionRecord | undefined> {
    const record = this.db().exceptions.get(id);
    return Promise.resolve(record && copy(record));
  }

  findByName(name: string): Promise<ExceptionRecord[]> {
    const found = [...this.db().exceptions.values()]
      .filter((r) => r.name === name)
      .sort((a, b) => b.id - a.id);
    return Promise.resolve(found.map(copy));
  }

  listExceptions(query: ExceptionQuery = {}): Promise<ExceptionRecord[]> {
    let rows = [...this.db().exceptions.values()].sort((a, b) => a.id - b.id);
    if (query.states) rows = rows.filter((r) => query.states?.includes(r.state));
    if (query.syncStatuses) rows = rows.filter((r) => query.syncStatuses?.includes(r.syncStatus));
    if (query.namespace) rows = rows.filter((r) => r.namespaces.includes(query.namespace ?? ''));
    if (query.ids) rows = rows.filter((r) => query.ids?.includes(r.id));
    if (query.names) rows = rows.filter((r) => query.names?.includes(r.name));
    if (query.expiresBy !== undefined) rows = rows.filter((r) => r.expiresAt <= (query.expiresBy ?? ''));
    if (query.afterId !== undefined) rows = rows.filter((r) => r.id > (query.afterId ?? 0));
    if (query.limit !== undefined) rows = rows.slice(0, query.limit);
    // As the real stores list them: committed and frozen, so callers may share them.
    return Promise.resolve(rows.map((r) => deepFreeze(copy(r))));
  }

  countByState(nowIso: string): Promise<Partial<Record<State, number>>> {
    const counts: Partial<Record<State, number>> = {};
    for (const r of this.db().exceptions.values()) {
      const state: State = r.state === 'active' && r.expiresAt <= nowIso ? 'expired' : r.state;
      counts[state] = (counts[state] ?? 0) + 1;
    }
    return Promise.resolve(counts);
  }

  listAudit(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const events = this.db().audit.filter(
      (e) =>
        (query.exceptionId === undefined || e.exceptionId === query.exceptionId) &&
        (query.action === undefined || e.action === query.action) &&
        (query.afterSeq === undefined || e.seq > query.afterSeq) &&
        (query.actor === undefined || e.actor === query.actor) &&
        (query.since === undefined || e.at >= query.since) &&
        (query.until === undefined || e.at < query.until),
    );
    if (query.newestFirst) events.reverse();
    return Promise.resolve(events.slice(0, query.limit ?? events.length).map(copy));
  }

  findTokenByLookup(lookup: string): Promise<StoredToken | undefined> {
    const token = this.db().tokens.find((t) => t.lookup === lookup);
    return Promise.resolve(token && copy(token));
  }

  listTokens(): Promise<ApiToken[]> {
    const listed = [...this.db().tokens]
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map(({ lookup: _lookup, hash: _hash, ...token }) => copy(token));
    return Promise.resolve(listed);
  }

  insertToken(token: StoredToken): Promise<void> {
    const { tokens } = this.db();
    // The real stores' primary key and unique index.
    if (tokens.some((t) => t.id === token.id || t.lookup === token.lookup))
      return Promise.reject(new Error(`duplicate token ${token.id}`));
    tokens.push(copy(token));
    return Promise.resolve();
  }

  revokeToken(id: string, at: string): Promise<boolean> {
    const token = this.db().tokens.find((t) => t.id === id && t.revokedAt === null);
    if (token) token.revokedAt = at;
    return Promise.resolve(token !== undefined);
  }

  insertException(record: NewExceptionRecord): Promise<ExceptionRecord> {
    const db = this.db();
    const saved: ExceptionRecord = { ...copy(record), id: db.nextId++, version: 1 };
    db.exceptions.set(saved.id, saved);
    return Promise.resolve(copy(saved));
  }

  updateException(record: ExceptionRecord): Promise<ExceptionRecord> {
    const { exceptions } = this.db();
    if (exceptions.get(record.id)?.version !== record.version)
      return Promise.reject(
        new WaiverError(
          'conflict',
          `${formatId(record.id)} was changed by someone else meanwhile; try again`,
          'version',
        ),
      );
    const saved = { ...copy(record), version: record.version + 1 };
    exceptions.set(record.id, saved);
    return Promise.resolve(copy(saved));
  }

  appendAudit(given: NewAuditEvent): Promise<AuditEvent> {
    const { audit, exceptions } = this.db();
    // As the real stores do: an event about an exception records its row's digest.
    const record = given.exceptionId === null ? undefined : exceptions.get(given.exceptionId);
    const event = record
      ? { ...given, data: { ...given.data, record: recordDigest(record, sha256) } }
      : given;
    const saved: AuditEvent = { ...copy(event), ...nextLink(audit.at(-1), event, sha256) };
    audit.push(saved);
    return Promise.resolve(copy(saved));
  }
}

/**
 * The store's contract in memory, for the fast tier: transactions run one at a time on a copy that
 * replaces the database only when the work succeeds. Stores opened on one `MemoryServer` share it, as
 * two processes share a database.
 */
export class MemoryStore extends MemoryAccess implements ExceptionStore {
  constructor(private readonly server: MemoryServer = memoryServer()) {
    super(() => server.db);
  }

  transaction<T>(work: (tx: StoreWriter) => Promise<T>): Promise<T> {
    const run = this.server.queue.then(async () => {
      const draft = copy(this.server.db);
      const result = await work(new MemoryAccess(() => draft));
      this.server.db = draft;
      return result;
    });
    this.server.queue = run.catch(() => undefined);
    return run;
  }

  tryAcquireLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const { leases } = this.server;
    const lease = leases.get(name);
    if (lease && lease.expiresMs > nowMs && lease.holder !== holder) return Promise.resolve(false);
    leases.set(name, { holder, expiresMs: nowMs + ttlMs });
    return Promise.resolve(true);
  }

  releaseLease(name: string, holder: string): Promise<void> {
    const { leases } = this.server;
    if (leases.get(name)?.holder === holder) leases.delete(name);
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
