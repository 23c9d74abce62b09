import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { messageOf, WaiverError } from '../domain/errors.js';
import { KyselyStore } from './kysely-store.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

/** Opens (and creates, and migrates) the SQLite database at `path`. */
export async function openSqliteStore(path: string): Promise<KyselyStore> {
  let database: BetterSqlite3.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    database = new BetterSqlite3(path);
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
  } catch (e) {
    throw new WaiverError('usage', `cannot open the database ${path}: ${messageOf(e)}`, 'db');
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  const { error } = await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw new WaiverError('internal', `migrating ${path} failed: ${messageOf(error)}`, 'db');
  }
  return new KyselyStore(db, ['begin immediate']);
}
