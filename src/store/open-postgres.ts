import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { messageOf, WaiverError } from '../domain/errors.js';
import { KyselyStore } from './kysely-store.js';
import { migrationOrder, migrationProvider } from './migrations.js';
import { reportingOutages } from './outages.js';
import type { ExceptionStore } from '../service/ports/store.js';
import type { Database } from './schema.js';

/**
 * Every write transaction takes one advisory lock first: the audit hash chain needs one writer at a
 * time, and replicas queue on the lock instead of failing on the chain's unique link.
 */
const WRITE_LOCK = 'select pg_advisory_xact_lock(7240019)';

/** A connection string with its password masked, fit for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/**
 * Connects to PostgreSQL and migrates it; the same migrations as SQLite. Every statement, and every wait
 * for a connection, ends after `statementTimeoutMs`: a database that stops answering (frozen, partitioned
 * without a reset) fails the request with 503 instead of holding it. Migrations run on a connection of
 * their own without that limit: one may rewrite a large table.
 */
export async function openPostgresStore(
  url: string,
  { poolSize = 10, longLived = true, statementTimeoutMs = DEFAULT_STATEMENT_TIMEOUT_MS } = {},
): Promise<ExceptionStore> {
  await migrate(url, statementTimeoutMs);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: statementTimeoutMs,
    // The server ends a statement that runs or waits on a lock too long; the client gives up on one whose
    // backend does not answer at all (a stopped process cannot enforce its own timeout).
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_GRACE_MS,
  });
  // A broken connection is emitted as an 'error' event: on the pool for an idle client, on the client
  // itself for one checked out between two queries. Without listeners either would end the process;
  // the query that needed the connection fails and is reported as the outage it is.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    endOnTimeout(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return reportingOutages(new KyselyStore(db, ['begin', WRITE_LOCK], longLived, true));
}

const DEFAULT_STATEMENT_TIMEOUT_MS = 20_000;
/** The server's own statement_timeout answers first when it can; the client's waits a little longer. */
const CLIENT_GRACE_MS = 1_000;

async function migrate(url: string, connectMs: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: connectMs });
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const { error } = await new Migrator({
      db,
      provider: migrationProvider('postgres'),
      nameComparator: migrationOrder,
    }).migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(messageOf(error));
  } catch (e) {
    throw new WaiverError('usage', `cannot open the database ${redactUrl(url)}: ${messageOf(e)}`, 'database');
  } finally {
    await db.destroy();
  }
}

/**
 * A statement the client gave up on leaves its connection mid-conversation with a backend that may yet
 * answer (a stopped one resumes) and may still hold a transaction and the write lock: the connection is
 * ended, so the pool never lends it again, and the backend rolls back when it sees the connection gone.
 */
function endOnTimeout(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const guarded = (...args: unknown[]): unknown => {
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    return result.catch((e: unknown) => {
      if (messageOf(e) === 'Query read timeout') client.end().catch(() => undefined);
      throw e;
    });
  };
  Object.assign(client, { query: guarded });
}
