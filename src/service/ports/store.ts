import type { ApiToken, StoredToken } from '../../domain/api-token.js';
import type { AuditEvent, AuditFact, HashFn, NewAuditEvent } from '../../domain/audit.js';
import type {
  Category,
  ExceptionRecord,
  NewExceptionRecord,
  State,
  StoredState,
  SyncStatus,
} from '../../domain/exception.js';
import type { AuditAction } from '../../domain/lifecycle.js';
import type { OutboxEntry } from '../../domain/notification-routes.js';
import type { OutboxStore } from './notify.js';

/** One group of `countByState`: the exceptions on one target in one shown state. */
export interface StateCount {
  target: string;
  state: State;
  count: number;
}

export interface ExceptionQuery {
  states?: readonly StoredState[];
  syncStatuses?: readonly SyncStatus[];
  namespace?: string;
  /** Only these exceptions (a chunk of work read in one query). */
  ids?: readonly number[];
  /** Only exceptions with one of these names. */
  names?: readonly string[];
  /** Only exceptions that expire at or before this RFC3339 instant. */
  expiresBy?: string;
  policy?: string;
  category?: Category;
  /** Only exceptions on these named targets. */
  targets?: readonly string[];
  /** Only rows from before named targets, which no target has adopted yet. */
  untargeted?: true;
  /** Only exceptions whose name, ticket, requestor or reason holds this text (any case). */
  search?: string;
  /** Paging: only ids above this one, at most `limit` rows, in id order. */
  afterId?: number;
  limit?: number;
  /** Another order than ids ascending: the newest first, or the soonest expiry first (then by id). */
  order?: 'newest' | 'expiry';
  /** With `order`: rows to skip (its pages are counted, not keyed). */
  offset?: number;
  /**
   * Read the rows from the database, past anything a long-lived store keeps: a row changed behind its
   * back keeps its version, so only a direct read shows it (audit verification).
   */
  direct?: true;
}

export interface AuditQuery {
  exceptionId?: number;
  /** Only events of these exceptions (a page of them, read in one query). */
  exceptionIds?: readonly number[];
  action?: AuditAction;
  /** Only events after this one: what arrived since a reader last looked, or the next page. */
  afterSeq?: number;
  actor?: string;
  /** RFC3339 UTC, whole seconds (as events are stored): from, inclusive, until, exclusive. */
  since?: string;
  until?: string;
  limit?: number;
  /** Newest first: with `limit: 1`, the chain's head. */
  newestFirst?: boolean;
}

export interface StoreReader {
  /**
   * The hash this store chains the audit trail and digests rows with (SHA-256): verification checks the
   * trail with the same.
   */
  readonly auditHash: HashFn;
  getException(id: number): Promise<ExceptionRecord | undefined>;
  /** Every exception with this name, newest first. */
  findByName(name: string): Promise<ExceptionRecord[]>;
  listExceptions(query?: ExceptionQuery): Promise<ExceptionRecord[]>;
  /** How many exceptions are in each shown state as of `nowIso` (an active one past it is `expired`), per target. */
  countByState(nowIso: string): Promise<StateCount[]>;
  listAudit(query?: AuditQuery): Promise<AuditEvent[]>;
  /**
   * The trail after `afterSeq` in chain order, `limit` at a time, as the metrics read it: without actors
   * and hashes, with `data` only for the actions in `dataOf` (`{}` for the rest), and, given `only`, only
   * the events of those actions; given `fields`, that `data` holds only those of its fields (one absent or
   * null is left out).
   */
  listAuditFacts(
    afterSeq: number,
    limit: number,
    dataOf: readonly AuditAction[],
    only?: readonly AuditAction[],
    fields?: readonly string[],
  ): Promise<AuditFact[]>;
  findTokenByLookup(lookup: string): Promise<StoredToken | undefined>;
  listTokens(): Promise<ApiToken[]>;
  /** Every token row as stored (hash included): what audit verification checks against the trail. */
  listStoredTokens(): Promise<StoredToken[]>;
  /** Whether the named data migration ran on this database (see `recordDataMigration`). */
  hasDataMigration(name: string): Promise<boolean>;
  /** Where a request came from (a violation's draft, as JSON), if it was drafted from one. */
  getRequestOrigin(exceptionId: number): Promise<string | undefined>;
}

/** A record as changed, and as it was read. */
export interface RecordChange {
  record: ExceptionRecord;
  before: ExceptionRecord;
}

export interface StoreWriter extends StoreReader {
  insertException(record: NewExceptionRecord): Promise<ExceptionRecord>;
  /** Saves a changed record; fails with `conflict` if someone else changed it since it was read. */
  updateException(record: ExceptionRecord): Promise<ExceptionRecord>;
  /**
   * Saves many changed records, each compared with the row as it was read (`before`): records that
   * changed the same columns to the same values are written a chunk a statement (a sweep's reminders).
   * One someone else changed since it was read is not saved; its id is among `conflicts`.
   */
  updateExceptions(
    changes: readonly RecordChange[],
  ): Promise<{ saved: ExceptionRecord[]; conflicts: number[] }>;
  /** Appends to the audit hash chain. */
  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  /** Appends events to the chain in their order, a chunk a statement. */
  appendAudits(events: readonly NewAuditEvent[]): Promise<AuditEvent[]>;
  insertToken(token: StoredToken): Promise<void>;
  /** Marks the token revoked; false when there is no such token or it was revoked already. */
  revokeToken(id: string, at: string): Promise<boolean>;
  /** Adds notifications to the outbox; one whose key and channel are there already is left out. */
  enqueueNotifications(entries: readonly OutboxEntry[]): Promise<void>;
  /**
   * Records that the named data migration ran, with the work it did in this transaction; false when it
   * was recorded already (another process ran it first), so it runs once per database.
   */
  recordDataMigration(name: string, atIso: string): Promise<boolean>;
  /** Keeps the draft a request was made from (JSON), with the request, in its transaction. */
  saveRequestOrigin(exceptionId: number, origin: string): Promise<void>;
}

/**
 * A named lease with an expiry: whoever holds it does the periodic work, so replicas sharing one
 * database never act twice. Taking a lease one already holds extends it.
 */
export interface LeaseStore {
  tryAcquireLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
}

/** Where desired state lives. One mutating use case is one `transaction`. */
export interface ExceptionStore extends StoreReader, LeaseStore, OutboxStore {
  transaction<T>(work: (tx: StoreWriter) => Promise<T>): Promise<T>;
  /** Throws (storage_full, unavailable) while a write could not succeed: a full disk, a read-only file. */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}
