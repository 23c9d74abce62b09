// The first sweep with 10,000 reminders due (goal: under 1.5 s, a margin under the 2 s budget), on disk.
// Seeds 10,000 exceptions expiring within the reminder window and 10,000 beyond it, then, each round on
// fresh copies of that database: the sweep (the reminders, their audit events and their outbox rows,
// committed 500 a transaction), and its anchor: the very rows that sweep wrote, written again directly with
// better-sqlite3 (prepared statements, one row a statement, the same transactions and settings), the floor
// for these writes on this machine. `node bench/sweep-reminders.mjs [due] [--tiny]`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { defaultSettings } from '../dist/src/domain/settings.js';
import { controllerActor } from '../dist/src/service/actor.js';
import { sweep } from '../dist/src/service/sweep.js';
import { targetSet } from '../dist/src/service/targets.js';
import { openSqliteStore } from '../dist/src/store/open-sqlite.js';
import { DirectoryTarget } from '../dist/src/targets/directory-target.js';
import { defaultRouting } from '../dist/src/domain/notification-routes.js';
import { databaseCopy } from './support/database-copy.mjs';
import { goal, rounds } from './support/goal.mjs';
import { benchSize } from './support/size.mjs';

const DUE = benchSize(10_000, 100);
/** As the sweep commits them. */
const CHUNK = 500;
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-sweep-'));
const seeded = join(dir, 'seeded.db');
const started = performance.now();
// Seeded by another process, so the rounds start from a heap that holds nothing of the seeding. Half
// expire within 1-6 days (a reminder is due), half in 10-29 days.
const seeding = spawnSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `import { seed } from ${JSON.stringify(new URL('./support/seed.mjs', import.meta.url).href)};
     await seed(${JSON.stringify(seeded)}, ${JSON.stringify(join(dir, 'gitops'))}, ${2 * DUE}, {
       expiresDays: (i) => (i % 2 === 0 ? (i % 6) + 1 : (i % 20) + 10),
     });`,
  ],
  { stdio: 'inherit' },
);
if (seeding.status !== 0) throw new Error(`seeding failed (exit ${seeding.status ?? seeding.signal})`);
console.log(`seeded ${2 * DUE} exceptions in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const before = highWater(seeded);

/** The newest event and notification of a database: what a sweep adds comes after them. */
function highWater(path) {
  const db = new BetterSqlite3(path, { readonly: true });
  const seq = db.prepare('select coalesce(max(seq), 0) as n from audit_events').get().n;
  const id = db.prepare('select coalesce(max(id), 0) as n from notifications').get().n;
  db.close();
  return { seq, id };
}

/** One sweep on a fresh copy: its duration, and the rows it wrote (for the anchor to write again). */
async function sweepRound(round) {
  const path = databaseCopy(seeded, join(dir, `sweep-${round}.db`));
  const store = await openSqliteStore(path);
  const deps = {
    store,
    targets: targetSet([
      {
        name: 'folder',
        kind: 'directory',
        target: new DirectoryTarget(join(dir, 'gitops'), { createRoot: false }),
      },
    ]),
    notifications: defaultRouting,
    clock: { now: () => Date.now() },
    settings: defaultSettings,
    instance: 'bench-sweep',
  };
  const t0 = process.hrtime.bigint();
  const report = await sweep(deps, controllerActor);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  await store.close();
  const db = new BetterSqlite3(path, { readonly: true });
  const written = {
    exceptions: db
      .prepare('select id, reminded_at, version from exceptions where reminded_at is not null order by id')
      .all(),
    events: db.prepare('select * from audit_events where seq > ? order by seq').all(before.seq),
    outbox: db.prepare('select * from notifications where id > ? order by id').all(before.id),
  };
  db.close();
  rmSync(path, { force: true });
  if (report.reminded.length !== DUE || written.outbox.length !== DUE || written.events.length !== DUE)
    throw new Error(
      `the sweep reminded ${report.reminded.length} with ${written.events.length} events and ${written.outbox.length} notifications; ${DUE} were due`,
    );
  return { ms, written };
}

/** The same rows written straight to a fresh copy: prepared statements, 500 reminders a transaction. */
function anchorRound(round, written) {
  const path = databaseCopy(seeded, join(dir, `anchor-${round}.db`));
  const db = new BetterSqlite3(path);
  // The settings openSqliteStore gives a long-lived process (decision 0011).
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = normal');
  db.pragma('wal_autocheckpoint = 1000');
  db.pragma('cache_size = -32768');
  const remind = db.prepare('update exceptions set reminded_at = ?, version = ? where id = ?');
  const append = db.prepare(
    `insert into audit_events (seq, at, actor, action, exception_id, data, prev_hash, hash)
     values (@seq, @at, @actor, @action, @exception_id, @data, @prev_hash, @hash)`,
  );
  const enqueue = db.prepare(
    `insert into notifications (key, channel, event, exception_id, recipients, payload, state, attempts,
       next_attempt_at, created_at)
     values (@key, @channel, @event, @exception_id, @recipients, @payload, @state, @attempts,
       @next_attempt_at, @created_at)`,
  );
  const bump = db.prepare('update store_meta set version = version + 1 where id = 1');
  const chunk = db.transaction((from) => {
    for (const r of written.exceptions.slice(from, from + CHUNK)) remind.run(r.reminded_at, r.version, r.id);
    for (const e of written.events.slice(from, from + CHUNK)) append.run(e);
    for (const n of written.outbox.slice(from, from + CHUNK)) enqueue.run(n);
    bump.run();
  });
  const t0 = process.hrtime.bigint();
  for (let from = 0; from < written.exceptions.length; from += CHUNK) chunk.immediate(from);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  db.close();
  rmSync(path, { force: true });
  return ms;
}

const measured = [];
const anchor = [];
// Side by side in each round: the sweep, then its rows written again straight.
await rounds(5, async (round) => {
  const { ms, written } = await sweepRound(round);
  measured.push(ms);
  anchor.push(anchorRound(round, written));
  console.log(
    `round ${round + 1}: sweep ${measured.at(-1).toFixed(0)} ms, the same writes in better-sqlite3 ${anchor.at(-1).toFixed(0)} ms`,
  );
});
const median = [...measured].sort((a, b) => a - b)[Math.floor(measured.length / 2)];
goal({
  name: `first sweep, ${DUE.toLocaleString('en')} reminders due`,
  unit: 'ms',
  measured,
  anchor,
  anchorName: 'the same writes and outbox rows in better-sqlite3',
  target: '< 1500 ms at 10,000',
  met: DUE === 10_000 ? median < 1500 : undefined,
});
rmSync(dir, { recursive: true, force: true });
