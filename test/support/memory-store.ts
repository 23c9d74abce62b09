import {
  sealEvent,
  tokenOf,
  type AuditEvent,
  type AuditFact,
  type NewAuditEvent,
} from '../../src/domain/audit.js';
import type { AuditAction } from '../../src/domain/lifecycle.js';
import { WaiverError } from '../../src/domain/errors.js';
import {
  formatId,
  type ExceptionRecord,
  type NewExceptionRecord,
  type State,
} from '../../src/domain/exception.js';
import type { OutboxEntry } from '../../src/domain/notification-routes.js';
import type { ApiToken, StoredToken } from '../../src/domain/api-token.js';
import type {
  DeliveryAttempt,
  DeliveryOutcome,
  StoredNotification,
} from '../../src/domain/notification-delivery.js';
import type { NotificationQuery } from '../../src/service/ports/notify.js';
import type {
  AuditQuery,
  ExceptionQuery,
  ExceptionStore,
  RecordChange,
  StateCount,
  StoreWriter,
} from '../../src/service/ports/store.js';
import { sha256 } from '../../src/system/sha256.js';

/** Everything a store holds: what a database file or a PostgreSQL database is to the real stores. */
export interface MemoryDatabase {
  exceptions: Map<number, ExceptionRecord>;
  nextId: number;
  audit: AuditEvent[];
  tokens: StoredToken[];
  outbox: (StoredNotification & { claimedBy: string | null; claimedUntil: string | null })[];
  attempts: DeliveryAttempt[];
  dataMigrations: { name: string; ranAt: string }[];
  origins: Map<number, string>;
}

/** One database and what its users share: the leases (outside transactions) and the write queue. */
export interface MemoryServer {
  db: MemoryDatabase;
  leases: Map<string, { holder: string; expiresMs: number }>;
  /** Transactions run one at a time, whichever store opened them. */
  queue: Promise<unknown>;
}

export const memoryServer = (): MemoryServer => ({
  db: {
    exceptions: new Map(),
    nextId: 1,
    audit: [],
    tokens: [],
    outbox: [],
    attempts: [],
    dataMigrations: [],
    origins: new Map(),
  },
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
  readonly auditHash = sha256;

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
    if (query.policy !== undefined) rows = rows.filter((r) => r.policy === query.policy);
    if (query.category !== undefined) rows = rows.filter((r) => r.category === query.category);
    const { targets } = query;
    if (targets) rows = rows.filter((r) => targets.includes(r.target));
    if (query.untargeted) rows = rows.filter((r) => r.target === '');
    const search = query.search?.toLowerCase();
    if (search)
      rows = rows.filter((r) =>
        [r.name, r.ticket, r.requestor, r.reason].some((text) => text.toLowerCase().includes(search)),
      );
    if (query.afterId !== undefined) rows = rows.filter((r) => r.id > (query.afterId ?? 0));
    if (query.order === 'newest') rows.reverse();
    if (query.order === 'expiry') rows.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt) || a.id - b.id);
    if (query.offset) rows = rows.slice(query.offset);
    if (query.limit !== undefined) rows = rows.slice(0, query.limit);
    // As the real stores list them: committed and frozen, so callers may share them.
    return Promise.resolve(rows.map((r) => deepFreeze(copy(r))));
  }

  countByState(nowIso: string): Promise<StateCount[]> {
    const counts = new Map<string, StateCount>();
    for (const r of this.db().exceptions.values()) {
      const state: State = r.state === 'active' && r.expiresAt <= nowIso ? 'expired' : r.state;
      const group = counts.get(`${r.target}/${state}`) ?? { target: r.target, state, count: 0 };
      group.count += 1;
      counts.set(`${r.target}/${state}`, group);
    }
    return Promise.resolve([...counts.values()]);
  }

  listAuditFacts(
    afterSeq: number,
    limit: number,
    dataOf: readonly AuditAction[],
    only?: readonly AuditAction[],
    fields?: readonly string[],
  ): Promise<AuditFact[]> {
    const events = this.db()
      .audit.filter((e) => e.seq > afterSeq && (only === undefined || only.includes(e.action)))
      .slice(0, limit);
    return Promise.resolve(
      events.map(({ seq, at, action, exceptionId, data }) => ({
        seq,
        at,
        action,
        exceptionId,
        data: !dataOf.includes(action)
          ? {}
          : fields === undefined
            ? structuredClone(data)
            : Object.fromEntries(
                fields.flatMap((f) => (data[f] == null ? [] : [[f, structuredClone(data[f])]])),
              ),
      })),
    );
  }

  listAudit(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const events = this.db().audit.filter(
      (e) =>
        (query.exceptionId === undefined || e.exceptionId === query.exceptionId) &&
        (query.exceptionIds === undefined ||
          (e.exceptionId !== null && query.exceptionIds.includes(e.exceptionId))) &&
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

  listStoredTokens(): Promise<StoredToken[]> {
    return Promise.resolve([...this.db().tokens].sort((a, b) => a.id.localeCompare(b.id)).map(copy));
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

  hasDataMigration(name: string): Promise<boolean> {
    return Promise.resolve(this.db().dataMigrations.some((m) => m.name === name));
  }

  getRequestOrigin(exceptionId: number): Promise<string | undefined> {
    return Promise.resolve(this.db().origins.get(exceptionId));
  }

  saveRequestOrigin(exceptionId: number, origin: string): Promise<void> {
    this.db().origins.set(exceptionId, origin);
    return Promise.resolve();
  }

  recordDataMigration(name: string, atIso: string): Promise<boolean> {
    const { dataMigrations } = this.db();
    if (dataMigrations.some((m) => m.name === name)) return Promise.resolve(false);
    dataMigrations.push({ name, ranAt: atIso });
    return Promise.resolve(true);
  }

  enqueueNotifications(entries: readonly OutboxEntry[]): Promise<void> {
    const { outbox } = this.db();
    for (const entry of entries) {
      // The real stores' unique index on key and channel.
      if (outbox.some((n) => n.key === entry.key && n.channel === entry.channel)) continue;
      const { dueAt: _due, ...fields } = copy(entry);
      outbox.push({
        ...fields,
        id: outbox.length + 1,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: entry.dueAt,
        lastError: null,
        sentAt: null,
        claimedBy: null,
        claimedUntil: null,
      });
    }
    return Promise.resolve();
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

  async updateExceptions(
    changes: readonly RecordChange[],
  ): Promise<{ saved: ExceptionRecord[]; conflicts: number[] }> {
    const saved: ExceptionRecord[] = [];
    const conflicts: number[] = [];
    for (const { record } of changes) {
      if (this.db().exceptions.get(record.id)?.version === record.version)
        saved.push(await this.updateException(record));
      else conflicts.push(record.id);
    }
    return { saved, conflicts };
  }

  async appendAudits(events: readonly NewAuditEvent[]): Promise<AuditEvent[]> {
    const appended: AuditEvent[] = [];
    for (const event of events) appended.push(await this.appendAudit(event));
    return appended;
  }

  appendAudit(given: NewAuditEvent): Promise<AuditEvent> {
    const { audit, exceptions, tokens } = this.db();
    // As the real stores do: an event about an exception or a token records its row's digest.
    const token = tokenOf(given);
    const record =
      given.exceptionId !== null
        ? exceptions.get(given.exceptionId)
        : token === undefined
          ? undefined
          : tokens.find((t) => t.id === token);
    const saved: AuditEvent = copy(sealEvent(audit.at(-1), given, record, this.auditHash));
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
  checkWritable(): Promise<void> {
    return Promise.resolve();
  }

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

  claimNotifications(
    holder: string,
    nowIso: string,
    untilIso: string,
    limit: number,
  ): Promise<StoredNotification[]> {
    const due = this.server.db.outbox
      .filter(
        (n) =>
          n.state === 'pending' &&
          n.nextAttemptAt <= nowIso &&
          (n.claimedUntil === null || n.claimedUntil <= nowIso),
      )
      .slice(0, limit);
    for (const n of due) Object.assign(n, { claimedBy: holder, claimedUntil: untilIso });
    return Promise.resolve(due.map(stored));
  }

  recordDeliveries(holder: string, outcomes: readonly DeliveryOutcome[]): Promise<void> {
    const { outbox, attempts } = this.server.db;
    for (const { id, at, channel, result } of outcomes) {
      const failed = result.status === 'failed';
      const n = outbox.find((o) => o.id === id && o.claimedBy === holder);
      if (n)
        Object.assign(n, {
          state: !failed ? 'sent' : result.retryAt === undefined ? 'dead' : 'pending',
          attempts: n.attempts + 1,
          lastError: failed ? result.error : null,
          sentAt: failed ? null : at,
          nextAttemptAt: failed && result.retryAt !== undefined ? result.retryAt : n.nextAttemptAt,
          claimedBy: null,
          claimedUntil: null,
        });
      attempts.push({
        notificationId: id,
        at,
        channel,
        status: failed ? 'failed' : 'sent',
        error: failed ? result.error : null,
      });
    }
    return Promise.resolve();
  }

  listNotifications(query: NotificationQuery = {}): Promise<StoredNotification[]> {
    const rows = this.server.db.outbox.filter(
      (n) =>
        (!query.states || query.states.includes(n.state)) &&
        (query.exceptionId === undefined || n.exceptionId === query.exceptionId) &&
        (query.afterId === undefined || n.id > query.afterId),
    );
    if (query.newestFirst) rows.reverse();
    return Promise.resolve(rows.slice(0, query.limit ?? rows.length).map(stored));
  }

  listDeliveryAttempts(notificationId: number): Promise<DeliveryAttempt[]> {
    return Promise.resolve(
      this.server.db.attempts.filter((a) => a.notificationId === notificationId).map(copy),
    );
  }

  retryNotifications(ids: readonly number[], nowIso: string): Promise<number[]> {
    const dead = this.server.db.outbox.filter((n) => ids.includes(n.id) && n.state === 'dead');
    for (const n of dead)
      Object.assign(n, {
        state: 'pending',
        nextAttemptAt: nowIso,
        attempts: 0,
        claimedBy: null,
        claimedUntil: null,
      });
    return Promise.resolve(dead.map((n) => n.id));
  }

  countPendingNotifications(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const n of this.server.db.outbox)
      if (n.state === 'pending') counts[n.channel] = (counts[n.channel] ?? 0) + 1;
    return Promise.resolve(counts);
  }

  hasDueNotifications(nowIso: string): Promise<boolean> {
    return Promise.resolve(
      this.server.db.outbox.some(
        (n) =>
          n.state === 'pending' &&
          n.nextAttemptAt <= nowIso &&
          (n.claimedUntil === null || n.claimedUntil <= nowIso),
      ),
    );
  }

  hasNotification(key: string): Promise<boolean> {
    return Promise.resolve(this.server.db.outbox.some((n) => n.key === key));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** An outbox row as the real stores answer it: without the claim's bookkeeping. */
const stored = ({
  claimedBy: _by,
  claimedUntil: _until,
  ...notification
}: MemoryDatabase['outbox'][number]): StoredNotification => copy(notification);
