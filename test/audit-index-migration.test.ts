import { describe, expect, it } from 'vitest';
import { checkTrail } from '../src/service/audit-trail.js';
import { openStore } from '../src/wire/deps.js';
import { backends } from './support/databases.js';

const event = (n: number) => ({
  at: '2026-11-29T00:00:00Z',
  actor: 'alice',
  action: 'requested' as const,
  exceptionId: n,
  data: { n },
});

/** The table as migrations 0001 to 0009 left it: `prev_hash` unique (later ones are forgotten with it). */
const previousLayout = `
  create table audit_events_old (seq integer primary key, at text not null, actor text not null,
    action text not null, exception_id integer, data text not null, prev_hash text not null unique,
    hash text not null);
  insert into audit_events_old select seq, at, actor, action, exception_id, data, prev_hash, hash
    from audit_events;
  drop table audit_events;
  alter table audit_events_old rename to audit_events;
  create index audit_events_exception on audit_events (exception_id);
  delete from kysely_migration where name >= '0010-';`;

describe.each(backends)('the audit table upgraded on $name', ({ enabled, databases }) => {
  if (!enabled) return it.skip('needs WAIVER_TEST_DATABASE_URL');
  const db = databases();

  it('loses the unique index on prev_hash, keeping every event as it was, and is left alone when migrated again', async () => {
    const database = await db.fresh();
    const store = await openStore(database);
    for (let i = 1; i <= 3; i++) await store.transaction((tx) => tx.appendAudit(event(i)));
    const written = await store.listAudit();
    await store.close();

    await db.exec(database, previousLayout);
    const upgraded = await openStore(database);
    expect(await upgraded.listAudit()).toEqual(written);
    expect((await checkTrail(upgraded)).broken).toBeUndefined();
    // The chain goes on where it was, and the primary key still refuses a second event at the same link.
    await upgraded.transaction((tx) => tx.appendAudit(event(4)));
    await upgraded.close();
    const last = written.at(-1);
    // (SQLite's exec throws before it returns a promise.)
    await expect(
      Promise.resolve().then(() =>
        db.exec(
          database,
          `insert into audit_events (seq, at, actor, action, exception_id, data, prev_hash, hash)
         values (4, 'x', 'mallory', 'requested', null, '{}', '${last?.hash ?? ''}', 'fork')`,
        ),
      ),
    ).rejects.toThrow();

    // Run again (as after a crash before the migration was recorded): nothing changes.
    // Later migrations go too: Kysely runs them in order, and each is safe to run again.
    await db.exec(database, "delete from kysely_migration where name >= '0010-'");
    const again = await openStore(database);
    const trail = await again.listAudit();
    expect(trail.slice(0, 3)).toEqual(written);
    expect(trail.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect((await checkTrail(again)).broken).toBeUndefined();
    await again.close();
    // Nothing but the primary key is unique now: a row behind Waiver's back that repeats a link is
    // taken (and `audit --verify` names it), where the dropped index refused it.
    await db.exec(
      database,
      `insert into audit_events (seq, at, actor, action, exception_id, data, prev_hash, hash)
       values (99, 'x', 'mallory', 'requested', null, '{}', '${written[0]?.prevHash ?? ''}', 'x')`,
    );
  });
});
