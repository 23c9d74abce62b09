import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** More distinct statements than Waiver's queries compile to; beyond it the least recently used goes. */
const CAPACITY = 256;

/**
 * The database as Kysely's SQLite dialect sees it, preparing each distinct SQL text once: Kysely asks
 * for a fresh statement per query, and preparing costs more than running the small statements Waiver
 * runs. A statement still being iterated (a streamed read) is busy, so a second user gets its own.
 */
export function cachingStatements(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      const cached = statements.get(sql);
      if (cached && !cached.busy) {
        // Re-inserted, so the map's order is the order of last use.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (!cached) {
        statements.set(sql, statement);
        const oldest = statements.keys().next();
        if (statements.size > CAPACITY && !oldest.done) statements.delete(oldest.value);
      }
      return statement;
    },
  };
}
