import {
  sql,
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
} from 'kysely';

import { nextLink, recordDigest, type NewAuditEvent } from '../domain/audit.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import { sha256 } from '../system/sha256.js';
import { toStoredToken } from './rows.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** Numbered migrations; each runs once, in order, on either dialect. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('exceptions')
          .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('policy', 'text', (c) => c.notNull())
          .addColumn('rules', 'text', (c) => c.notNull())
          .addColumn('kinds', 'text', (c) => c.notNull())
          .addColumn('namespaces', 'text', (c) => c.notNull())
          .addColumn('names', 'text', (c) => c.notNull())
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('ticket', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('risk_assessment', 'text')
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('end_reason', 'text')
          .addColumn('sync_status', 'text', (c) => c.notNull())
          .addColumn('sync_error', 'text')
          .addColumn('requestor', 'text', (c) => c.notNull())
          .addColumn('approver', 'text')
          .addColumn('applier', 'text')
          .addColumn('requested_at', 'text', (c) => c.notNull())
          .addColumn('approved_at', 'text')
          .addColumn('applied_at', 'text')
          .addColumn('removed_at', 'text')
          .addColumn('reminded_at', 'text')
          .addColumn('escalated_at', 'text')
          .addColumn('renewal_of', 'integer', (c) => c.references('exceptions.id'))
          .addColumn('renewal_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('api_version', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
        await db.schema
          .createIndex('exceptions_state')
          .on('exceptions')
          .columns(['state', 'sync_status'])
          .execute();
        await db.schema.createIndex('exceptions_name').on('exceptions').column('name').execute();
        await db.schema
          .createTable('audit_events')
          .addColumn('seq', 'integer', (c) => c.primaryKey())
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('exception_id', 'integer')
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('prev_hash', 'text', (c) => c.notNull().unique())
          .addColumn('hash', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('audit_events_exception')
          .on('audit_events')
          .column('exception_id')
          .execute();
      },
    },
    '0002-tokens-and-leases': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('lookup', 'text', (c) => c.notNull().unique())
          .addColumn('hash', 'text', (c) => c.notNull())
          .addColumn('owner', 'text', (c) => c.notNull())
          .addColumn('roles', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('revoked_at', 'text')
          .execute();
        await db.schema
          .createTable('leases')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0003-list-index': {
      async up(db: Kysely<unknown>) {
        // Pages of one state in id order read a range of this index instead of sorting every row.
        await db.schema
          .createIndex('exceptions_state_id')
          .on('exceptions')
          .columns(['state', 'id'])
          .execute();
      },
    },
    '0004-store-version': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('store_meta')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('version', 'integer', (c) => c.notNull())
          .execute();
        await sql`insert into store_meta (id, version) values (1, 0)`.execute(db);
      },
    },
    '0005-outbox': {
      async up(db: Kysely<unknown>) {
        const serial = (c: ColumnDefinitionBuilder) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement();
        await db.schema
          .createTable('notifications')
          .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', serial)
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('exception_id', 'integer')
          .addColumn('recipients', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('next_attempt_at', 'text', (c) => c.notNull())
          .addColumn('claimed_by', 'text')
          .addColumn('claimed_until', 'text')
          .addColumn('last_error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'text')
          .execute();
        // One notification per event and channel, whatever replays happen (the idempotency key).
        await db.schema
          .createIndex('notifications_key')
          .on('notifications')
          .columns(['key', 'channel'])
          .unique()
          .execute();
        await db.schema
          .createIndex('notifications_due')
          .on('notifications')
          .columns(['state', 'next_attempt_at'])
          .execute();
        await db.schema
          .createTable('notification_attempts')
          .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', serial)
          .addColumn('notification_id', 'integer', (c) => c.notNull().references('notifications.id'))
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('error', 'text')
          .execute();
        await db.schema
          .createIndex('notification_attempts_notification')
          .on('notification_attempts')
          .column('notification_id')
          .execute();
      },
    },
    '0006-targets': {
      async up(db: Kysely<unknown>) {
        // Older rows keep a null target until a process adopts them for its default target, with an
        // audit event each, so the trail still vouches for every row (decision 0015).
        await db.schema.alterTable('exceptions').addColumn('target', 'text').execute();
        await db.schema.alterTable('exceptions').addColumn('sync_revision', 'text').execute();
        await db.schema.alterTable('exceptions').addColumn('sync_url', 'text').execute();
        await db.schema
          .createIndex('exceptions_target')
          .on('exceptions')
          .columns(['target', 'state'])
          .execute();
      },
    },
    '0007-bind-tokens': {
      async up(db: Kysely<unknown>) {
        const typed = db as unknown as Kysely<Database>;
        if (typed.isTransaction) await bindTokens(typed);
        else await typed.transaction().execute(bindTokens);
      },
    },
    '0008-count-index': {
      async up(db: Kysely<unknown>) {
        // Counting by target and state (each /metrics scrape) reads this index alone, and the active
        // ones past their expiry are a range of it, so no row is read and nothing is sorted.
        await db.schema.dropIndex('exceptions_target').ifExists().execute();
        await db.schema
          .createIndex('exceptions_target_state_expiry')
          .ifNotExists()
          .on('exceptions')
          .columns(['target', 'state', 'expires_at'])
          .execute();
      },
    },
    '0009-data-migrations': {
      async up(db: Kysely<unknown>) {
        // Data migrations that need the configuration (a default target's name) run at a process's
        // start, not here; each is recorded, so it runs once per database.
        await db.schema
          .createTable('data_migrations')
          .ifNotExists()
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('ran_at', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0010-audit-chain-index': {
      async up(db: Kysely<unknown>) {
        // Each event's link is its primary key: two writers that read the same last link write the same
        // seq, and the second fails on it. The unique index on prev_hash said so again, at the price of
        // an insert at a random place in an index of hashes for every event (decision 0020).
        if (dialect === 'postgres') await dropPrevHashConstraint(db);
        else await rebuildAuditWithoutUniqueHash(db);
      },
    },
    '0011-controls-and-risk': {
      async up(db: Kysely<unknown>) {
        // No backfill: a row's closure reason is derived from its end reason when shown, and rows keep
        // the digest their last event recorded (empty new fields are left out of it).
        const existing = await exceptionColumns(db, dialect);
        for (const column of ['risk_rating', 'compensating_controls', 'controls', 'closure_reason'])
          if (!existing.has(column))
            await db.schema.alterTable('exceptions').addColumn(column, 'text').execute();
      },
    },
    '0012-request-origins': {
      async up(db: Kysely<unknown>) {
        // The draft a request was made from (a policy report's violation), kept beside it so the
        // reviewer sees the evidence and any widening; most requests have none, so not a column.
        await db.schema
          .createTable('request_origins')
          .ifNotExists()
          .addColumn('exception_id', 'integer', (c) => c.primaryKey().references('exceptions.id'))
          .addColumn('origin', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0014-exception-validations': {
      async up(db: Kysely<unknown>) {
        // A JSON list of CEL compensating controls; null for the many exceptions without any.
        const existing = await exceptionColumns(db, dialect);
        if (!existing.has('validations'))
          await db.schema.alterTable('exceptions').addColumn('validations', 'text').execute();
      },
    },
    '0015-false-positive': {
      async up(db: Kysely<unknown>) {
        // Null on every row before: no one stated a false positive, and such rows keep their digest.
        if (!(await exceptionColumns(db, dialect)).has('false_positive'))
          await db.schema.alterTable('exceptions').addColumn('false_positive', 'text').execute();
      },
    },
    '0016-exemptions': {
      async up(db: Kysely<unknown>) {
        // What an exception exempts inside its scope (podSecurity entries, a CEL policy's images and
        // allowedValues), as JSON; null on older rows, which exempt their whole rule.
        if (!(await exceptionColumns(db, dialect)).has('exemptions'))
          await db.schema.alterTable('exceptions').addColumn('exemptions', 'text').execute();
      },
    },
  };
}

/** The columns the exceptions table has: a migration run again after a crash adds only what is missing. */
async function exceptionColumns(db: Kysely<unknown>, dialect: Dialect): Promise<Set<string>> {
  const { rows } =
    dialect === 'postgres'
      ? await sql<{ name: string }>`select column_name as name from information_schema.columns
          where table_name = 'exceptions' and table_schema = current_schema()`.execute(db)
      : await sql<{ name: string }>`select name from pragma_table_info('exceptions')`.execute(db);
  return new Set(rows.map((r) => r.name));
}

async function dropPrevHashConstraint(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ conname: string }>`
    select c.conname from pg_constraint c
    join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
    where c.conrelid = 'audit_events'::regclass and c.contype = 'u' and a.attname = 'prev_hash'`.execute(db);
  for (const { conname } of rows)
    await sql`alter table audit_events drop constraint if exists ${sql.id(conname)}`.execute(db);
}

/**
 * SQLite cannot drop a column's UNIQUE: the table is rebuilt without it, in one immediate transaction
 * (another process opening the file waits), once: a table already without it is left alone.
 */
async function rebuildAuditWithoutUniqueHash(db: Kysely<unknown>): Promise<void> {
  await sql`begin immediate`.execute(db);
  try {
    const { rows } = await sql<{ name: string }>`
      select name from sqlite_master
      where type = 'index' and tbl_name = 'audit_events' and name like 'sqlite_autoindex_%'`.execute(db);
    if (rows.length > 0) {
      await db.schema
        .createTable('audit_events_rebuilt')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('exception_id', 'integer')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();
      await sql`insert into audit_events_rebuilt (seq, at, actor, action, exception_id, data, prev_hash, hash)
        select seq, at, actor, action, exception_id, data, prev_hash, hash from audit_events`.execute(db);
      await db.schema.dropTable('audit_events').execute();
      await db.schema.alterTable('audit_events_rebuilt').renameTo('audit_events').execute();
      await db.schema
        .createIndex('audit_events_exception')
        .on('audit_events')
        .column('exception_id')
        .execute();
    }
    await sql`commit`.execute(db);
  } catch (e) {
    await sql`rollback`.execute(db).catch(() => undefined);
    throw e;
  }
}

/**
 * Token rows from before their events recorded a digest (decision 0010) are bound once, at the
 * upgrade: one `token_bound` event each, appended to the chain, records the row as it stands, so that
 * `audit --verify` names any later edit of it. Existing events are never rewritten.
 */
async function bindTokens(db: Kysely<Database>): Promise<void> {
  const tokens = await db.selectFrom('api_tokens').selectAll().orderBy('id').execute();
  if (tokens.length === 0) return;
  let last = await db
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const at = toRfc3339(wholeSeconds(Date.now()));
  for (const row of tokens) {
    const event: NewAuditEvent = {
      at,
      actor: 'waiver-upgrade',
      action: 'token_bound',
      exceptionId: null,
      data: {
        token: row.id,
        record: recordDigest(toStoredToken(row), sha256),
        reason: 'the token predates token rows bound to the audit trail: its row as it stands now',
      },
    };
    const link = nextLink(last, event, sha256);
    await db
      .insertInto('audit_events')
      .values({
        seq: link.seq,
        at: event.at,
        actor: event.actor,
        action: event.action,
        exception_id: null,
        data: JSON.stringify(event.data),
        prev_hash: link.prevHash,
        hash: link.hash,
      })
      .execute();
    last = link;
  }
}

export const migrationProvider = (dialect: Dialect): MigrationProvider => ({
  getMigrations: () => Promise.resolve(migrations(dialect)),
});

/**
 * The order migrations run in: their names, code unit by code unit. Kysely's default compares with
 * `localeCompare`, whose first call loads the ICU collator (tens of milliseconds of a command's start);
 * the names are ASCII and numbered, so both orders agree.
 */
export const migrationOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Whether the migrations recorded in a database (`kysely_migration`'s names, none when it has no such
 * table) are exactly this build's: then there is nothing to migrate, and a process can skip the
 * migrator's lock, schema reads and write transaction. Anything else (a new database, a migration to run,
 * one this build does not know) goes through the migrator, which runs or refuses as before.
 */
export function isCurrent(recorded: readonly string[] | undefined, dialect: Dialect): boolean {
  const known = Object.keys(migrations(dialect));
  if (recorded === undefined || recorded.length !== known.length) return false;
  const names = new Set(recorded);
  return known.every((name) => names.has(name));
}
