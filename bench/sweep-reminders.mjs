// The first sweep with 10,000 reminders due (issue 10's goal: under 2 s), on disk. Seeds 10,000
// exceptions expiring within the reminder window and 10,000 beyond it, copies the database, then runs
// side by side on identical copies: the sweep (reminders committed 500 a transaction) and the same
// reminders recorded one transaction each, as the sweep did before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSettings } from '../dist/src/domain/settings.js';
import { controllerActor } from '../dist/src/service/actor.js';
import { applyTransition } from '../dist/src/service/change-state.js';
import { sweep } from '../dist/src/service/sweep.js';
import { openSqliteStore } from '../dist/src/store/open-sqlite.js';
import { DirectoryTarget } from '../dist/src/targets/directory-target.js';
import { seed } from './support/seed.mjs';
import { databaseCopy } from './support/database-copy.mjs';
import { defaultRouting } from '../dist/src/domain/notification-routes.js';
import { benchSize, scaled } from './support/size.mjs';

const DUE = benchSize(10_000, 100);
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-sweep-'));
const seeded = join(dir, 'seeded.db');
const started = performance.now();
// Half expire within 1-6 days (a reminder is due), half in 10-29 days.
await seed(seeded, join(dir, 'gitops'), 2 * DUE, {
  expiresDays: (i) => (i % 2 === 0 ? (i % 6) + 1 : (i % 20) + 10),
});
console.log(`seeded ${2 * DUE} exceptions in ${((performance.now() - started) / 1000).toFixed(1)} s`);

async function depsOn(name) {
  const path = databaseCopy(seeded, join(dir, `${name}.db`));
  return {
    store: await openSqliteStore(path),
    target: new DirectoryTarget(join(dir, 'gitops'), { createRoot: false }),
    notifications: defaultRouting,
    clock: { now: () => Date.now() },
    settings: defaultSettings,
    instance: 'bench-sweep',
  };
}

const sweepDeps = await depsOn('sweep');
let t0 = performance.now();
const report = await sweep(sweepDeps, controllerActor);
const sweepMs = performance.now() - t0;
const queued = (await sweepDeps.store.listNotifications({ states: ['pending'] })).length;
await sweepDeps.store.close();
console.log(
  `sweep: ${report.reminded.length} reminders (${queued} notifications in the outbox) in ${sweepMs.toFixed(0)} ms`,
);

const rowDeps = await depsOn('per-row');
t0 = performance.now();
const due = (await rowDeps.store.listExceptions({ states: ['active'] })).filter(
  (r) => Date.parse(r.expiresAt) - Date.now() <= defaultSettings.reminderDays * 86_400_000,
);
for (const record of due)
  await rowDeps.store.transaction(async (tx) =>
    applyTransition(rowDeps, tx, controllerActor, (await tx.getException(record.id)) ?? record, 'remind', {
      data: { expiresAt: record.expiresAt },
    }),
  );
const rowMs = performance.now() - t0;
await rowDeps.store.close();
console.log(`one transaction a reminder: ${due.length} reminders in ${rowMs.toFixed(0)} ms`);
console.log(
  `sweep / one transaction a reminder: ${(sweepMs / rowMs).toFixed(2)} of the time (goal: sweep < 2000 ms)`,
);
rmSync(dir, { recursive: true, force: true });
