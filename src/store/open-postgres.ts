import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { messageOf, WaiverError } from '../domain/errors.js';
import { KyselyStore } from './kysely-store.js';
import { migrationProvider } from './migrations.js';
import { reportingOutages } from './outages.js';
import type { ExceptionStore } from '../service/ports.js';
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

/** Connects to PostgreSQL and migrates it; the same migrations as SQLite. */
export async function openPostgresStore(
  url: string,
  { poolSize = 10, longLived = true } = {},
): Promise<ExceptionStore> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000 });
  // A broken connection is emitted as an 'error' event: on the pool for an idle client, on the client
  // itself for one checked out between two queries. Without listeners either would end the process;
  // the query that needed the connection fails and is reported as the outage it is.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    const { error } = await new Migrator({ db, provider: migrationProvider('postgres') }).migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(messageOf(error));
  } catch (e) {
    await db.destroy();
    throw new WaiverError('usage', `cannot open the database ${redactUrl(url)}: ${messageOf(e)}`, 'database');
  }
  return reportingOutages(new KyselyStore(db, ['begin', WRITE_LOCK], longLived, true));
}
