import { PostgresAdapter, sql, type Kysely, type Selectable } from 'kysely';
import { sealEvent, tokenOf, type AuditEvent, type AuditFact, type NewAuditEvent } from '../domain/audit.js';
import { WaiverError } from '../domain/errors.js';
import { formatId, type ExceptionRecord, type NewExceptionRecord, type State } from '../domain/exception.js';
import type { AuditAction } from '../domain/lifecycle.js';
import type { OutboxEntry } from '../domain/notification-routes.js';
import type { ApiToken, StoredToken } from '../domain/api-token.js';
import type {
  DeliveryAttempt,
  DeliveryOutcome,
  StoredNotification,
} from '../domain/notification-delivery.js';
import type { NotificationQuery } from '../service/ports/notify.js';
import type {
  AuditQuery,
  ExceptionQuery,
  ExceptionStore,
  RecordChange,
  StateCount,
  StoreWriter,
} from '../service/ports/store.js';
import { sha256 } from '../system/sha256.js';
import { BatchStatements } from './batch-statements.js';
import { writeFault } from './outages.js';
import { QueryCache, type SelectedKeys } from './query-cache.js';
import { RecordCache } from './record-cache.js';
import {
  toEvent,
  toNotification,
  toNotificationRow,
  toRecord,
  toRow,
  toStoredToken,
  toToken,
  toTokenRow,
} from './rows.js';
import type { AuditEventsTable, Database, ExceptionsTable } from './schema.js';

const parseData = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

/** The data of every event read without it: one shared object, frozen, rather than one per row. */
const noData: Record<string, unknown> = Object.freeze({});

/** One row of `listAuditFacts`' query as the metrics read it. */
function factOf(
  seq: number,
  at: string,
  action: string,
  exceptionId: number | null,
  data: string | null,
  fields: readonly string[] | undefined,
): AuditFact {
  return {
    seq,
    at,
    action: action as AuditAction,
    exceptionId,
    data: data === null ? noData : fields === undefined ? parseData(data) : dataOfFields(data, fields),
  };
}

/** The fields picked from an event's data (`pickFields`): those absent or null are left out. */
function dataOfFields(text: string, fields: readonly string[]): Record<string, unknown> {
  const values = JSON.parse(text) as unknown[];
  const data: Record<string, unknown> = {};
  for (let i = 0; i < fields.length; i++) {
    const value = values[i];
    if (value !== null && value !== undefined) data[fields[i] as string] = value;
  }
  return data;
}

/** A sealed event as its row in audit_events. */
const auditRow = (event: AuditEvent): Selectable<AuditEventsTable> => ({
  seq: event.seq,
  at: event.at,
  actor: event.actor,
  action: event.action,
  exception_id: event.exceptionId,
  data: JSON.stringify(event.data),
  prev_hash: event.prevHash,
  hash: event.hash,
});

/** The rows a query selects, in id order; the caller picks the columns. */
function filteredExceptions(db: Kysely<Database>, query: ExceptionQuery) {
  let q =
    query.order === 'newest'
      ? db.selectFrom('exceptions').orderBy('id', 'desc')
      : query.order === 'expiry'
        ? db.selectFrom('exceptions').orderBy('expires_at', 'asc').orderBy('id', 'asc')
        : db.selectFrom('exceptions').orderBy('id', 'asc');
  if (query.states) q = q.where('state', 'in', query.states.length ? [...query.states] : ['']);
  if (query.syncStatuses)
    q = q.where('sync_status', 'in', query.syncStatuses.length ? [...query.syncStatuses] : ['']);
  // Namespaces are a JSON list: the quoted name narrows the rows; the service filters exactly.
  if (query.namespace) q = q.where('namespaces', 'like', `%${JSON.stringify(query.namespace)}%`);
  if (query.ids) q = q.where('id', 'in', query.ids.length ? [...query.ids] : [-1]);
  if (query.names) q = q.where('name', 'in', query.names.length ? [...query.names] : ['']);
  // Instants are stored in one RFC3339 form (UTC, whole seconds), so text order is time order.
  if (query.expiresBy !== undefined) q = q.where('expires_at', '<=', query.expiresBy);
  if (query.policy !== undefined) q = q.where('policy', '=', query.policy);
  if (query.category !== undefined) q = q.where('category', '=', query.category);
  if (query.targets) q = q.where('target', 'in', query.targets.length ? [...query.targets] : ['']);
  if (query.untargeted) q = q.where('target', 'is', null);
  if (query.search) {
    // A LIKE pattern with the user's % and _ taken literally; lower() on both sides, as PostgreSQL's LIKE
    // is case-sensitive.
    const pattern = `%${query.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const like = (column: 'name' | 'ticket' | 'requestor' | 'reason') =>
      sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
    q = q.where((eb) => eb.or([like('name'), like('ticket'), like('requestor'), like('reason')]));
  }
  if (query.afterId !== undefined) q = q.where('id', '>', query.afterId);
  if (query.limit !== undefined) q = q.limit(query.limit);
  if (query.offset) q = q.offset(query.offset);
  return q;
}

type Row = Selectable<ExceptionsTable>;

/**
 * Rows a statement of the batch writes: 500 ids in an UPDATE, 500 events of 8 columns (4,000 parameters)
 * in an INSERT, well within SQLite's 32,766 and PostgreSQL's 65,535.
 */
const CHUNK = 500;

/**
 * The record's columns as saved (its version one more), and those of them that differ from the row as
 * it was read, `before`: a reminder writes one column, not thirty, and no index it does not change.
 */
function changedColumns(
  record: ExceptionRecord,
  before: ExceptionRecord | undefined,
): { columns: Omit<Row, 'id'>; changed: Partial<Record<string, unknown>> } {
  const columns = { ...toRow(record), version: record.version + 1 };
  if (before?.version !== record.version) return { columns, changed: columns };
  // Fields compared as the records hold them (a list the change kept is the same array), each column
  // named as the row names its field.
  const changed: Partial<Record<string, unknown>> = { version: columns.version };
  const stored: Partial<Record<string, unknown>> = columns;
  for (const field in record) {
    const key = field as keyof ExceptionRecord;
    if (key === 'id' || record[key] === before[key]) continue;
    const column = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (!(column in stored)) return { columns, changed: columns };
    changed[column] = stored[column];
  }
  return { columns, changed };
}

/** Reads and writes over one Kysely handle: the database, or one connection inside a transaction. */
class KyselyAccess implements StoreWriter {
  readonly auditHash = sha256;

  constructor(
    protected readonly db: Kysely<Database>,
    /** The batch statements' SQL, compiled once per shape (shared by the store and its transactions). */
    protected readonly batches = new BatchStatements(),
  ) {}

  async getException(id: number): Promise<ExceptionRecord | undefined> {
    const [row] = await this.batches.run(this.db, 'exceptions:by-id', [id], () =>
      this.db.selectFrom('exceptions').selectAll().where('id', '=', id),
    );
    return row && toRecord(row);
  }

  async findByName(name: string): Promise<ExceptionRecord[]> {
    const rows = await this.batches.run(this.db, 'exceptions:by-name', [name], () =>
      this.db.selectFrom('exceptions').selectAll().where('name', '=', name).orderBy('id', 'desc'),
    );
    return rows.map(toRecord);
  }

  async listExceptions(query: ExceptionQuery = {}): Promise<ExceptionRecord[]> {
    return (await filteredExceptions(this.db, query).selectAll().execute()).map(toRecord);
  }

  async countByState(nowIso: string): Promise<StateCount[]> {
    const groups = await this.db
      .selectFrom('exceptions')
      .select((eb) => ['target', 'state', eb.fn.countAll<number | string>().as('n')])
      .groupBy(['target', 'state'])
      .execute();
    const counts: StateCount[] = [];
    for (const { target, state, n } of groups) {
      const count = Number(n);
      if (state !== 'active') {
        counts.push({ target: target ?? '', state: state as State, count });
        continue;
      }
      // Active records past their expiry show as expired. Instants are stored in one RFC3339 form (UTC,
      // whole seconds), so text order is time order, and they are a range of the count index.
      const past = await this.db
        .selectFrom('exceptions')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where((eb) => (target === null ? eb('target', 'is', null) : eb('target', '=', target)))
        .where('state', '=', 'active')
        .where('expires_at', '<=', nowIso)
        .executeTakeFirstOrThrow();
      counts.push({ target: target ?? '', state: 'active', count: count - Number(past.n) });
      counts.push({ target: target ?? '', state: 'expired', count: Number(past.n) });
    }
    return counts.filter((c) => c.count > 0);
  }

  async listAudit(query: AuditQuery = {}): Promise<AuditEvent[]> {
    let q = this.db
      .selectFrom('audit_events')
      .selectAll()
      .orderBy('seq', query.newestFirst ? 'desc' : 'asc');
    if (query.exceptionId !== undefined) q = q.where('exception_id', '=', query.exceptionId);
    if (query.exceptionIds !== undefined)
      q = q.where('exception_id', 'in', query.exceptionIds.length ? [...query.exceptionIds] : [-1]);
    if (query.action !== undefined) q = q.where('action', '=', query.action);
    if (query.afterSeq !== undefined) q = q.where('seq', '>', query.afterSeq);
    if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
    // Instants are stored in one RFC3339 form, so text order is time order.
    if (query.since !== undefined) q = q.where('at', '>=', query.since);
    if (query.until !== undefined) q = q.where('at', '<', query.until);
    if (query.limit !== undefined) q = q.limit(query.limit);
    return (await q.execute()).map(toEvent);
  }

  async listAuditFacts(
    afterSeq: number,
    limit: number,
    dataOf: readonly AuditAction[],
    only?: readonly AuditAction[],
    fields?: readonly string[],
  ): Promise<AuditFact[]> {
    const rows = await this.factsQuery(afterSeq, limit, dataOf, only, fields).execute();
    const facts = new Array<AuditFact>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as (typeof rows)[number];
      facts[i] = factOf(row.seq, row.at, row.action, row.exception_id, row.data, fields);
    }
    return facts;
  }

  /** `listAuditFacts`' query, its columns in the order `factOf` takes them. */
  protected factsQuery(
    afterSeq: number,
    limit: number,
    dataOf: readonly AuditAction[],
    only: readonly AuditAction[] | undefined,
    fields: readonly string[] | undefined,
  ) {
    // The metrics' first read folds the whole trail: hashes, actors and the data no timeline reads stay
    // in the database, and given the fields, the database picks them out of each event's data as one
    // small JSON array, so that a request's whole text is neither read nor parsed here.
    const picked = fields === undefined ? sql<string>`data` : this.pickFields(fields);
    const data =
      dataOf.length === 0 || fields?.length === 0
        ? sql<string | null>`null`
        : sql<string | null>`case when action in (${sql.join(dataOf)}) then ${picked} end`;
    let query = this.db
      .selectFrom('audit_events')
      .select(['seq', 'at', 'action', 'exception_id', data.as('data')])
      .where('seq', '>', afterSeq);
    if (only !== undefined) query = query.where('action', 'in', only.length > 0 ? only : ['']);
    return query.orderBy('seq').limit(limit);
  }

  /** The named fields of an event's data, as the JSON text of an array of their values (null when absent). */
  private pickFields(fields: readonly string[]) {
    if (this.db.getExecutor().adapter instanceof PostgresAdapter)
      return sql<string>`json_build_array(${sql.join(fields.map((f) => sql`cast(data as json) -> cast(${f} as text)`))})::text`;
    // With one path SQLite answers the value itself, with more an array: the one field is asked twice.
    const paths = fields.map((f) => `$.${JSON.stringify(f)}`);
    return sql<string>`json_extract(data, ${sql.join(paths.length === 1 ? [paths[0], paths[0]] : paths)})`;
  }

  async findTokenByLookup(lookup: string): Promise<StoredToken | undefined> {
    const row = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('lookup', '=', lookup)
      .executeTakeFirst();
    return row && toStoredToken(row);
  }

  async listTokens(): Promise<ApiToken[]> {
    const rows = await this.db.selectFrom('api_tokens').selectAll().orderBy('created_at').execute();
    return rows.map(toToken);
  }

  async listStoredTokens(): Promise<StoredToken[]> {
    const rows = await this.db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
    return rows.map(toStoredToken);
  }

  async insertToken(token: StoredToken): Promise<void> {
    await this.db.insertInto('api_tokens').values(toTokenRow(token)).execute();
  }

  async revokeToken(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async hasDataMigration(name: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('data_migrations')
      .select('name')
      .where('name', '=', name)
      .executeTakeFirst();
    return row !== undefined;
  }

  async getRequestOrigin(exceptionId: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('request_origins')
      .select('origin')
      .where('exception_id', '=', exceptionId)
      .executeTakeFirst();
    return row?.origin;
  }

  async saveRequestOrigin(exceptionId: number, origin: string): Promise<void> {
    await this.db.insertInto('request_origins').values({ exception_id: exceptionId, origin }).execute();
  }

  async recordDataMigration(name: string, atIso: string): Promise<boolean> {
    // A second process waits for the first's transaction, then inserts nothing.
    const inserted = await this.db
      .insertInto('data_migrations')
      .values({ name, ran_at: atIso })
      .onConflict((oc) => oc.column('name').doNothing())
      .returning('name')
      .execute();
    return inserted.length === 1;
  }

  async enqueueNotifications(entries: readonly OutboxEntry[]): Promise<void> {
    // A few hundred rows a statement keeps within both databases' parameter limits.
    for (let i = 0; i < entries.length; i += 200) {
      const rows = entries.slice(i, i + 200).map(toNotificationRow);
      await this.batches.run(this.db, `notifications:${rows.length}`, rows.flatMap(Object.values), () =>
        this.db
          .insertInto('notifications')
          .values(rows)
          .onConflict((oc) => oc.columns(['key', 'channel']).doNothing()),
      );
    }
  }

  async insertException(record: NewExceptionRecord): Promise<ExceptionRecord> {
    const values = { ...toRow(record), version: 1 };
    // The row is what was just written, with its new id: reading every column back would only cost.
    const [row] = await this.batches.run(this.db, 'exceptions:insert', Object.values(values), () =>
      this.db.insertInto('exceptions').values(values).returning('id'),
    );
    if (!row) throw new Error(`the new exception "${record.name}" was not inserted`);
    return toRecord({ ...values, id: row.id });
  }

  async updateException(record: ExceptionRecord): Promise<ExceptionRecord> {
    return this.saveChanges(record);
  }

  /**
   * Writes the record if its version is still the stored one. Given the row as it was read (`before`),
   * only the columns that changed are set: a reminder writes one column, not thirty.
   */
  protected async saveChanges(record: ExceptionRecord, before?: ExceptionRecord): Promise<ExceptionRecord> {
    const { columns, changed } = changedColumns(record, before);
    const shape = `exceptions:update:${Object.keys(changed).join(',')}`;
    const updated = await this.batches.run(
      this.db,
      shape,
      [...Object.values(changed), record.id, record.version],
      () =>
        this.db
          .updateTable('exceptions')
          .set(changed)
          .where('id', '=', record.id)
          .where('version', '=', record.version)
          .returning('id'),
    );
    if (updated.length === 0)
      throw new WaiverError(
        'conflict',
        `${formatId(record.id)} was changed by someone else meanwhile; try again`,
        'version',
      );
    // The row is what was just written: reading it back would only cost a statement.
    return toRecord({ ...columns, id: record.id });
  }

  async updateExceptions(
    changes: readonly RecordChange[],
  ): Promise<{ saved: ExceptionRecord[]; conflicts: number[] }> {
    // Records that set the same columns to the same values, from the same version, share a statement.
    const groups = new Map<
      string,
      { set: Partial<Record<string, unknown>>; version: number; ids: number[] }
    >();
    const rows: Row[] = [];
    for (const { record, before } of changes) {
      const { columns, changed } = changedColumns(record, before);
      rows.push({ ...columns, id: record.id });
      const key = JSON.stringify([record.version, changed]);
      const group = groups.get(key);
      if (group) group.ids.push(record.id);
      else groups.set(key, { set: changed, version: record.version, ids: [record.id] });
    }
    const updated = new Set<number>();
    for (const { set, version, ids } of groups.values())
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        const shape = `exceptions:${Object.keys(set).join(',')}:${chunk.length}`;
        const done = await this.batches.run(this.db, shape, [...Object.values(set), version, ...chunk], () =>
          this.db
            .updateTable('exceptions')
            .set(set)
            .where('version', '=', version)
            .where('id', 'in', chunk)
            .returning('id'),
        );
        for (const { id } of done) updated.add(id);
      }
    const saved: ExceptionRecord[] = [];
    const conflicts: number[] = [];
    for (const row of rows) {
      if (updated.has(row.id)) saved.push(toRecord(row));
      else conflicts.push(row.id);
    }
    return { saved, conflicts };
  }

  /**
   * Links the events after the newest link as the database has it (one read: a remembered head may be
   * stale, and a batch is not inserted again row by row), a chunk a statement.
   */
  async appendAudits(given: readonly NewAuditEvent[]): Promise<AuditEvent[]> {
    let last = await this.readLastLink();
    const events: AuditEvent[] = [];
    const rows: Selectable<AuditEventsTable>[] = [];
    for (const one of given) {
      const event = sealEvent(last, one, await this.boundRow(one), this.auditHash);
      events.push(event);
      rows.push(auditRow(event));
      last = event;
    }
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      await this.batches.run(this.db, `audit_events:${chunk.length}`, chunk.flatMap(Object.values), () =>
        this.db.insertInto('audit_events').values(chunk),
      );
    }
    return events;
  }

  /**
   * Links the event after the last link this handle knows, without reading it where it is remembered.
   * A remembered link can be stale (another process, or another replica, appended since): then the
   * event's number or previous hash is taken, the insert does nothing, and the event is linked again after
   * the newest link read from the database. Writers hold the write lock, so the second try holds.
   */
  async appendAudit(given: NewAuditEvent): Promise<AuditEvent> {
    const row = await this.boundRow(given);
    let last = await this.lastLink();
    for (;;) {
      const event = sealEvent(last, given, row, this.auditHash);
      const stored = auditRow(event);
      const [inserted] = await this.batches.run(this.db, 'audit_events:one', Object.values(stored), () =>
        this.db
          .insertInto('audit_events')
          .values(stored)
          .onConflict((oc) => oc.doNothing())
          .returning('seq'),
      );
      if (inserted) return toEvent(stored);
      const newest = await this.readLastLink();
      if (newest?.seq === last?.seq && newest?.hash === last?.hash)
        throw new Error(`audit event #${event.seq} could not be appended after #${last?.seq ?? 0}`);
      last = newest;
    }
  }

  /** Where the next event links: the newest event's number and hash. */
  protected lastLink(): Promise<Pick<AuditEvent, 'seq' | 'hash'> | undefined> {
    return this.readLastLink();
  }

  /** The newest event's number and hash, as the database has them. */
  protected async readLastLink(): Promise<Pick<AuditEvent, 'seq' | 'hash'> | undefined> {
    return this.db
      .selectFrom('audit_events')
      .select(['seq', 'hash'])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** The row an event is about, as it stands in this transaction: its exception's, or its API token's. */
  private async boundRow(event: NewAuditEvent): Promise<ExceptionRecord | StoredToken | undefined> {
    const token = tokenOf(event);
    return event.exceptionId !== null
      ? this.getException(event.exceptionId)
      : token === undefined
        ? undefined
        : this.storedToken(token);
  }

  private async storedToken(id: string): Promise<StoredToken | undefined> {
    const row = await this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toStoredToken(row);
  }
}

/** The chain's newest link as this store last committed it; another writer may have appended since. */
interface ChainHead {
  link: Pick<AuditEvent, 'seq' | 'hash'> | undefined;
}

/**
 * One transaction's access. It holds the write lock, so nobody else appends or changes rows meanwhile:
 * the chain's last link and the rows it wrote are remembered rather than read back, which halves the
 * statements a batch of actions runs. Its first event links after the head the store remembers from its
 * last commit (`appendAudit` notices when another writer moved it).
 */
class TransactionAccess extends KyselyAccess {
  /** The newest event this transaction appended. */
  link: Pick<AuditEvent, 'seq' | 'hash'> | undefined;
  /** Rows as this transaction last read or wrote them. */
  private readonly known = new Map<number, ExceptionRecord>();
  private readonly outbox: OutboxEntry[] = [];

  constructor(
    db: Kysely<Database>,
    /** Committed rows by version: what a record read before this transaction began was, exactly. */
    private readonly committed: RecordCache,
    private readonly head: ChainHead,
    batches: BatchStatements,
  ) {
    super(db, batches);
  }

  override async getException(id: number): Promise<ExceptionRecord | undefined> {
    const known = this.known.get(id);
    if (known) return known;
    const read = await super.getException(id);
    return read && this.remember(read);
  }

  override async listExceptions(query: ExceptionQuery = {}): Promise<ExceptionRecord[]> {
    return (await super.listExceptions(query)).map((r) => this.known.get(r.id) ?? this.remember(r));
  }

  override async insertException(record: NewExceptionRecord): Promise<ExceptionRecord> {
    return this.remember(await super.insertException(record));
  }

  override async updateException(record: ExceptionRecord): Promise<ExceptionRecord> {
    const before = this.known.get(record.id) ?? this.committed.get(record.id, record.version);
    return this.remember(await this.saveChanges(record, before));
  }

  override async appendAudit(given: NewAuditEvent): Promise<AuditEvent> {
    const event = await super.appendAudit(given);
    this.link = event;
    return event;
  }

  override async updateExceptions(
    changes: readonly RecordChange[],
  ): Promise<{ saved: ExceptionRecord[]; conflicts: number[] }> {
    const result = await super.updateExceptions(changes);
    for (const record of result.saved) this.remember(record);
    return result;
  }

  override async appendAudits(given: readonly NewAuditEvent[]): Promise<AuditEvent[]> {
    const events = await super.appendAudits(given);
    this.link = events.at(-1) ?? this.link;
    return events;
  }

  /** Kept until the transaction's end, then written a few hundred rows a statement (a sweep's thousands). */
  override enqueueNotifications(entries: readonly OutboxEntry[]): Promise<void> {
    this.outbox.push(...entries);
    return Promise.resolve();
  }

  /** Writes what was enqueued; part of the transaction, so it commits or rolls back with the rest. */
  async flushOutbox(): Promise<void> {
    await super.enqueueNotifications(this.outbox.splice(0));
  }

  protected override async lastLink(): Promise<Pick<AuditEvent, 'seq' | 'hash'> | undefined> {
    return this.link ?? this.head.link ?? super.lastLink();
  }

  private remember(record: ExceptionRecord): ExceptionRecord {
    this.known.set(record.id, record);
    return record;
  }
}

/**
 * The store over Kysely. `begin` opens a transaction that takes the write lock at once (SQLite's
 * BEGIN IMMEDIATE), so concurrent writers queue instead of failing halfway through a use case.
 */
/** What a readiness check writes (and deletes) while writes are failing: more than most real writes. */
const PROBE_BYTES = 256 * 1024;

/** Runs one query on the database and answers its rows as arrays of column values, in select order. */
export type RawRows = (sql: string, parameters: readonly unknown[]) => unknown[][];

type FactRow = [seq: number, at: string, action: string, exceptionId: number | null, data: string | null];

export class KyselyStore extends KyselyAccess implements ExceptionStore {
  private readonly cache = new RecordCache();
  private readonly queries = new QueryCache();
  private readonly head: ChainHead = { link: undefined };
  /** A write failed for want of disk space or permission, and none has succeeded since (unknown at first). */
  private writesFailing = true;

  constructor(
    db: Kysely<Database>,
    private readonly beginStatements: readonly string[],
    /** Keep records between calls: a server's next page reads only what changed; a command keeps none. */
    private readonly cacheRecords = true,
    /** PostgreSQL: dispatchers claim rows past those another one has locked (decision 0012). */
    private readonly skipLocked = false,
    /** SQLite: runs a query and answers its rows as arrays, for reads of many small rows. */
    private readonly rawRows?: RawRows,
  ) {
    super(db);
  }

  /**
   * The first metrics fold reads the whole trail: with SQLite, its rows come as arrays, without an object
   * per row built by the driver and copied by Kysely, which was most of that read's time.
   */
  override async listAuditFacts(
    afterSeq: number,
    limit: number,
    dataOf: readonly AuditAction[],
    only?: readonly AuditAction[],
    fields?: readonly string[],
  ): Promise<AuditFact[]> {
    if (this.rawRows === undefined) return super.listAuditFacts(afterSeq, limit, dataOf, only, fields);
    const compiled = this.factsQuery(afterSeq, limit, dataOf, only, fields).compile();
    const rows = this.rawRows(compiled.sql, compiled.parameters);
    const facts = new Array<AuditFact>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [seq, at, action, exceptionId, data] = rows[i] as FactRow;
      facts[i] = factOf(seq, at, action, exceptionId, data, fields);
    }
    return Promise.resolve(facts);
  }

  /**
   * Listing is the hot read (every page of the API): ids and versions come from the database, whole
   * rows only for what changed since they were last read. Only committed rows are cached: this handle
   * is outside any transaction.
   */
  override async listExceptions(query: ExceptionQuery = {}): Promise<ExceptionRecord[]> {
    // A command reads each row once: one query, nothing kept.
    if (!this.cacheRecords || query.direct) return super.listExceptions(query);
    const keys = await this.selectedKeys(query);
    const misses = keys.filter((k) => !this.cache.get(k.id, k.version)).map((k) => k.id);
    const fetched = new Map<number, ExceptionRecord>();
    for (let i = 0; i < misses.length; i += 500) {
      const chunk = misses.slice(i, i + 500);
      const rows = await this.db.selectFrom('exceptions').selectAll().where('id', 'in', chunk).execute();
      for (const row of rows) fetched.set(row.id, this.cache.put(toRecord(row)));
    }
    return keys.flatMap((k) => this.cache.get(k.id, k.version) ?? fetched.get(k.id) ?? []);
  }

  /** The ids and versions a query selects; repeated queries between two writes cost one small read. */
  private async selectedKeys(query: ExceptionQuery): Promise<SelectedKeys> {
    const key = JSON.stringify(query);
    const version = await this.storeVersion();
    const cached = this.queries.get(key, version);
    if (cached) return cached;
    const keys = await filteredExceptions(this.db, query).select(['id', 'version']).execute();
    this.queries.put(key, version, keys);
    return keys;
  }

  private async storeVersion(): Promise<number> {
    const row = await this.db
      .selectFrom('store_meta')
      .select('version')
      .where('id', '=', 1)
      .executeTakeFirst();
    return Number(row?.version ?? 0);
  }

  transaction<T>(work: (tx: StoreWriter) => Promise<T>): Promise<T> {
    return this.inTransaction(async (conn) => {
      const access = new TransactionAccess(conn, this.cache, this.head, this.batches);
      const result = await work(access);
      await access.flushOutbox();
      // Part of the transaction: a rolled-back one leaves the version as it was.
      await this.batches.run(conn, 'store_meta:bump', [1, 1], () =>
        conn
          .updateTable('store_meta')
          .set((eb) => ({ version: eb('version', '+', 1) }))
          .where('id', '=', 1),
      );
      return { result, link: access.link };
    }).then(({ result, link }) => {
      // Committed: the next transaction links after this one's last event without reading it.
      if (link && link.seq > (this.head.link?.seq ?? 0)) this.head.link = link;
      return result;
    });
  }

  /** Work on one connection between BEGIN (taking the write lock) and COMMIT, or ROLLBACK if it throws. */
  private async inTransaction<T>(work: (conn: Kysely<Database>) => Promise<T>): Promise<T> {
    try {
      const result = await this.db.connection().execute(async (conn) => {
        for (const statement of this.beginStatements) await sql.raw(statement).execute(conn);
        try {
          const result = await work(conn);
          await sql`commit`.execute(conn);
          return result;
        } catch (e) {
          // SQLite ends the transaction itself on some errors (a full disk among them), and a connection
          // that timed out cannot roll back: the rollback's own failure would hide the error that matters.
          await sql`rollback`.execute(conn).catch(() => undefined);
          throw e;
        }
      });
      this.writesFailing = false;
      return result;
    } catch (e) {
      if (writeFault(e)) this.writesFailing = true;
      throw e;
    }
  }

  /**
   * Whether writes could succeed now. Only after a write failed for want of space or permission (and
   * once at first, for a file opened read-only) is a write tried: a row of PROBE_BYTES written and deleted
   * in one transaction. An empty update would pass where real writes fail: SQLite reuses the room its
   * write-ahead log already has.
   */
  async checkWritable(): Promise<void> {
    if (!this.writesFailing) return;
    await this.inTransaction(async (conn) => {
      const name = 'waiver-write-probe';
      await conn
        .insertInto('leases')
        .values({ name, holder: 'x'.repeat(PROBE_BYTES), expires_at: '' })
        .execute();
      await conn.deleteFrom('leases').where('name', '=', name).execute();
    });
  }

  async claimNotifications(
    holder: string,
    nowIso: string,
    untilIso: string,
    limit: number,
  ): Promise<StoredNotification[]> {
    let due = this.db
      .selectFrom('notifications')
      .select('id')
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', nowIso)]))
      .orderBy('id')
      .limit(limit);
    if (this.skipLocked) due = due.forUpdate().skipLocked();
    // One statement: two dispatchers never claim the same row (SQLite has one writer at a time).
    const rows = await this.db
      .updateTable('notifications')
      .set({ claimed_by: holder, claimed_until: untilIso })
      .where('id', 'in', due)
      .returningAll()
      .execute();
    return rows.map(toNotification).sort((a, b) => a.id - b.id);
  }

  recordDeliveries(holder: string, outcomes: readonly DeliveryOutcome[]): Promise<void> {
    if (outcomes.length === 0) return Promise.resolve();
    return this.inTransaction(async (conn) => {
      for (const { id, at, channel, result } of outcomes) {
        const failed = result.status === 'failed';
        await conn
          .updateTable('notifications')
          .set((eb) => ({
            state: !failed ? 'sent' : result.retryAt === undefined ? 'dead' : 'pending',
            attempts: eb('attempts', '+', 1),
            last_error: failed ? result.error : null,
            sent_at: failed ? null : at,
            ...(failed && result.retryAt !== undefined ? { next_attempt_at: result.retryAt } : {}),
            claimed_by: null,
            claimed_until: null,
          }))
          .where('id', '=', id)
          .where('claimed_by', '=', holder)
          .execute();
        await conn
          .insertInto('notification_attempts')
          .values({
            notification_id: id,
            at,
            channel,
            status: failed ? 'failed' : 'sent',
            error: failed ? result.error : null,
          })
          .execute();
      }
    });
  }

  async listNotifications(query: NotificationQuery = {}): Promise<StoredNotification[]> {
    let q = this.db
      .selectFrom('notifications')
      .selectAll()
      .orderBy('id', query.newestFirst ? 'desc' : 'asc');
    if (query.states) q = q.where('state', 'in', query.states.length ? [...query.states] : ['']);
    if (query.exceptionId !== undefined) q = q.where('exception_id', '=', query.exceptionId);
    if (query.afterId !== undefined) q = q.where('id', '>', query.afterId);
    if (query.limit !== undefined) q = q.limit(query.limit);
    return (await q.execute()).map(toNotification);
  }

  async listDeliveryAttempts(notificationId: number): Promise<DeliveryAttempt[]> {
    const rows = await this.db
      .selectFrom('notification_attempts')
      .selectAll()
      .where('notification_id', '=', notificationId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      notificationId: r.notification_id,
      at: r.at,
      channel: r.channel,
      status: r.status as DeliveryAttempt['status'],
      error: r.error,
    }));
  }

  async retryNotifications(ids: readonly number[], nowIso: string): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable('notifications')
      .set({ state: 'pending', next_attempt_at: nowIso, attempts: 0, claimed_by: null, claimed_until: null })
      .where('id', 'in', [...ids])
      .where('state', '=', 'dead')
      .returning('id')
      .execute();
    return rows.map((r) => r.id).sort((a, b) => a - b);
  }

  async countPendingNotifications(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('notifications')
      .select((eb) => ['channel', eb.fn.countAll<number | string>().as('n')])
      .where('state', '=', 'pending')
      .groupBy('channel')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.channel, Number(r.n)]));
  }

  async hasDueNotifications(nowIso: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('notifications')
      .select('id')
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', nowIso)]))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async hasNotification(key: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('notifications')
      .select('id')
      .where('key', '=', key)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async tryAcquireLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const now = new Date(nowMs).toISOString();
    const until = new Date(nowMs + ttlMs).toISOString();
    // One statement, so two replicas racing for a free or lapsed lease cannot both win.
    const row = await this.db
      .insertInto('leases')
      .values({ name, holder, expires_at: until })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, expires_at: until })
          .where((eb) => eb.or([eb('leases.expires_at', '<=', now), eb('leases.holder', '=', holder)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return row?.holder === holder;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  close(): Promise<void> {
    return this.db.destroy();
  }
}
