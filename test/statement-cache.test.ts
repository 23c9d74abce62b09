import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cachingStatements } from '../src/store/statement-cache.js';

describe('the prepared statement cache', () => {
  it('prepares each SQL text once, and gives a statement busy in a streamed read a fresh one', () => {
    const database = new BetterSqlite3(':memory:');
    database.exec('create table t (n integer); insert into t values (1), (2), (3);');
    const db = cachingStatements(database);
    const select = 'select n from t order by n';
    const first = db.prepare(select);
    expect(db.prepare(select)).toBe(first);
    const rows = first.iterate([]);
    expect(rows.next().value).toEqual({ n: 1 });
    const during = db.prepare(select);
    expect(during).not.toBe(first);
    expect(during.all([])).toHaveLength(3);
    expect([...rows]).toEqual([{ n: 2 }, { n: 3 }]);
    expect(db.prepare(select)).toBe(first);
    db.close();
  });

  it('keeps at most 256 statements, dropping the least recently used', () => {
    const database = new BetterSqlite3(':memory:');
    const db = cachingStatements(database);
    const kept = db.prepare('select 0');
    const oldest = db.prepare('select 1');
    for (let i = 2; i < 256; i++) db.prepare(`select ${i}`);
    expect(db.prepare('select 0')).toBe(kept);
    db.prepare('select 256');
    expect(db.prepare('select 0')).toBe(kept);
    expect(db.prepare('select 1')).not.toBe(oldest);
    db.close();
  });
});
