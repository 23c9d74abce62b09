import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { messageOf, WaiverError } from '../domain/errors.js';
import { KyselyStore, type RawRows } from './kysely-store.js';
import { isCurrent, migrationOrder, migrationProvider } from './migrations.js';
import { reportingOutages } from './outages.js';
import { cachingStatements } from './statement-cache.js';
import type { ExceptionStore } from '../service/ports/store.js';
import type { Database } from './schema.js';

export interface SqliteOptions {
  /** Make the database's folder if it is missing (only the embedded default's). */
  createFolder: boolean;
  /** `full` also survives a power cut, at one fsync per commit (decision 0011). */
  synchronous?: 'normal' | 'full';
  /** A server or controller (the default): caches pages and records for its next requests. */
  longLived?: boolean;
}

/**
 * Opens (and creates, and migrates) the SQLite database at `path`. A new file is readable by its owner
 * only: it holds every justification and the token hashes. Its folder is made only with `createFolder`.
 */
export async function openSqliteStore(
  path: string,
  options: SqliteOptions = { createFolder: false },
): Promise<ExceptionStore> {
  let database: BetterSqlite3.Database;
  try {
    if (path !== ':memory:') createOwnerOnly(path, options.createFolder);
    database = new BetterSqlite3(path);
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    // Decision 0011: write-ahead log (an existing database converts here, once), fsync at checkpoints
    // rather than per commit (a commit survives a crash of the process, not a power cut since the last
    // checkpoint), checkpoints every 1,000 pages; the last connection to close folds the log back.
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${options.synchronous ?? 'normal'}`);
    database.pragma('wal_autocheckpoint = 1000');
    // A long-lived process keeps 32 MiB of pages (SQLite's default is 2 MiB): a sweep or batch over
    // thousands of rows finds its pages here instead of reading them back from the OS. A command reads
    // each page about once, and keeps its memory.
    if (options.longLived !== false) database.pragma('cache_size = -32768');
  } catch (e) {
    throw new WaiverError('usage', `cannot open the database ${path}: ${openFailure(e)}`, 'db');
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(database) }) });
  // Most opens find the schema current: one read says so, and a command starts without the migrator.
  if (!isCurrent(recordedMigrations(database), 'sqlite')) {
    const migrator = new Migrator({
      db,
      provider: migrationProvider('sqlite'),
      nameComparator: migrationOrder,
    });
    const { error } = await migrator.migrateToLatest();
    if (error) {
      await db.destroy();
      throw new WaiverError('internal', `migrating ${path} failed: ${messageOf(error)}`, 'db');
    }
  }
  return reportingOutages(
    new KyselyStore(db, ['begin immediate'], options.longLived !== false, false, rawRows(database)),
  );
}

/** Statements of their own (a statement answers arrays or objects, not both), prepared once per text. */
function rawRows(database: BetterSqlite3.Database): RawRows {
  const statements = new Map<string, BetterSqlite3.Statement<unknown[], unknown[]>>();
  return (sql, parameters) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      // A handful of texts in practice (one per shape of the metrics' read); bounded all the same.
      if (statements.size >= 32) statements.clear();
      statement = database.prepare<unknown[], unknown[]>(sql).raw(true);
      statements.set(sql, statement);
    }
    return statement.all(...parameters);
  };
}

/** The names in Kysely's table of migrations run, or undefined when there is no such table (a new file). */
function recordedMigrations(database: BetterSqlite3.Database): string[] | undefined {
  const table = database
    .prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'")
    .get();
  if (table === undefined) return undefined;
  return database.prepare('select name from kysely_migration').pluck().all() as string[];
}

function createOwnerOnly(path: string, createFolder: boolean): void {
  const folder = dirname(path);
  if (createFolder) mkdirSync(folder, { recursive: true, mode: 0o700 });
  else if (!existsSync(folder)) throw new Error(`the folder ${folder} does not exist`);
  // SQLite gives its journal the database file's permissions.
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
}

/**
 * Why SQLite could not be opened, in one line. better-sqlite3 is a native module: after switching Node.js
 * versions (nvm, a new image) it no longer loads, and Node's own five-line message is cut at its first.
 */
export function openFailure(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const built =
    /NODE_MODULE_VERSION (\d+)\. This version of Node\.js requires\s+NODE_MODULE_VERSION (\d+)/.exec(
      message.replace(/\s+/g, ' '),
    );
  if (!built) return messageOf(e);
  return `better-sqlite3 was built for another Node.js (module version ${built[1]}; Node.js ${process.version} needs ${built[2]}): run \`npm rebuild better-sqlite3\` where Waiver is installed`;
}
