// 10,000 reminders due at once, sent through the outbox to a loopback webhook receiver (its own
// process). Seeds 10,000 exceptions in the reminder window and 10,000 beyond it, then on identical
// copies: the sweep without notifications, the sweep writing the outbox (DESIGN's budget: < 2 s), and
// the dispatcher delivering the whole outbox (messages a second).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSettings } from '../dist/src/domain/settings.js';
import { createDispatcher } from '../dist/src/notify/dispatcher.js';
import { openChannels } from '../dist/src/notify/open-channels.js';
import { controllerActor } from '../dist/src/service/actor.js';
import { sweep } from '../dist/src/service/sweep.js';
import { targetSet } from '../dist/src/service/targets.js';
import { openSqliteStore } from '../dist/src/store/open-sqlite.js';
import { DirectoryTarget } from '../dist/src/targets/directory-target.js';
import { seed } from './support/seed.mjs';
import { databaseCopy } from './support/database-copy.mjs';
import { benchSize, scaled } from './support/size.mjs';

const DUE = benchSize(10_000, 100);
const SECRET = `whsec_${Buffer.from('a signing key of thirty-two bytes').toString('base64')}`;
const dir = mkdtempSync(join(tmpdir(), 'waiver-bench-notify-'));
const seeded = join(dir, 'seeded.db');
let started = performance.now();
await seed(seeded, join(dir, 'gitops'), 2 * DUE, {
  expiresDays: (i) => (i % 2 === 0 ? (i % 6) + 1 : (i % 20) + 10),
});
console.log(`seeded ${2 * DUE} exceptions in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const receiver = fork(new URL('./support/webhook-receiver.mjs', import.meta.url));
const ask = (message) =>
  new Promise((resolve) => {
    receiver.once('message', resolve);
    if (message) receiver.send(message);
  });
const { port } = await ask();
const channel = {
  name: 'hook',
  type: 'webhook',
  url: `http://127.0.0.1:${port}/waiver`,
  secret: SECRET,
  timeoutMs: 10_000,
};
const backoff = { baseMs: 30_000, capMs: 3_600_000, maxAttempts: 8 };
const clock = { now: () => Date.now() };

async function depsOn(name, routes) {
  const path = databaseCopy(seeded, join(dir, `${name}.db`));
  return {
    store: await openSqliteStore(path),
    targets: targetSet([
      {
        name: 'folder',
        kind: 'directory',
        target: new DirectoryTarget(join(dir, 'gitops'), { createRoot: false }),
      },
    ]),
    notifications: { routes, groups: { approvers: [], security: ['security'], policyOwners: {} } },
    clock,
    settings: defaultSettings,
    instance: `bench-notify-${name}`,
  };
}

async function timedSweep(deps) {
  const t0 = performance.now();
  const report = await sweep(deps, controllerActor);
  return { ms: performance.now() - t0, reminded: report.reminded.length };
}

const bare = await depsOn('no-outbox', []);
const without = await timedSweep(bare);
await bare.store.close();
console.log(`sweep without notifications: ${without.reminded} reminders in ${without.ms.toFixed(0)} ms`);

const deps = await depsOn('outbox', [{ channels: ['hook'], events: ['reminder'] }]);
const withOutbox = await timedSweep(deps);
const queued = (await deps.store.countPendingNotifications()).hook ?? 0;
console.log(
  `sweep writing the outbox: ${withOutbox.reminded} reminders, ${queued} notifications, in ${withOutbox.ms.toFixed(0)} ms (budget 2000 ms; ${(withOutbox.ms / without.ms).toFixed(2)}x the sweep without)`,
);

const channels = openChannels(
  { channels: [channel], people: {}, publicUrl: 'https://waiver.example.com', backoff, intervalMs: 1000 },
  { log: (line) => console.error(line), clock },
);
const dispatcher = createDispatcher(deps.store, channels, clock, {
  holder: 'bench',
  backoff,
  batchSize: 200,
  log: (line) => console.error(line),
});
started = performance.now();
const delivered = await dispatcher.drain();
const deliverMs = performance.now() - started;
const counts = await ask('count');
console.log(
  `delivered ${delivered.sent} (failed ${delivered.failed}) in ${deliverMs.toFixed(0)} ms: ${Math.round((delivered.sent * 1000) / deliverMs)} messages/s; the receiver got ${counts.received}, ${counts.unique} distinct webhook-ids`,
);
const left = await deps.store.countPendingNotifications();
console.log(`pending afterwards: ${JSON.stringify(left)}`);
await dispatcher.close();
await deps.store.close();
receiver.send('stop');
rmSync(dir, { recursive: true, force: true });
if (counts.unique !== DUE || delivered.sent !== DUE) process.exitCode = 1;
