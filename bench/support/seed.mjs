// Seeds a database with `count` active exceptions through the real use cases: requested by alice,
// approved by bob, applied by carol, so records, audit trail and target files are what Waiver leaves.
// `batched` (the default) approves and applies in batches of 500, as `waiver approve|apply ID…` do;
// otherwise each exception is approved and applied on its own. `clock` dates the events (default: now).
import { defaultSettings } from '../../dist/src/domain/settings.js';
import { localActor } from '../../dist/src/service/actor.js';
import { createWaiver } from '../../dist/src/service/waiver.js';
import { targetSet } from '../../dist/src/service/targets.js';
import { openSqliteStore } from '../../dist/src/store/open-sqlite.js';
import { DirectoryTarget } from '../../dist/src/targets/directory-target.js';
import { defaultRouting } from '../../dist/src/domain/notification-routes.js';

const BATCH = 500;

export async function seed(
  dbPath,
  targetDir,
  count,
  { batched = true, expiresDays, clock = { now: () => Date.now() } } = {},
) {
  const deps = {
    store: await openSqliteStore(dbPath),
    targets: targetSet([
      { name: 'folder', kind: 'directory', target: new DirectoryTarget(targetDir, { createRoot: true }) },
    ]),
    notifications: defaultRouting,
    clock,
    settings: defaultSettings,
    instance: 'bench-seed',
  };
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => createWaiver(deps, localActor(name)));
  let requested = [];
  const approveAndApply = async () => {
    if (requested.length === 0) return;
    await check(bob.batch('approve', requested));
    await check(carol.batch('apply', requested));
    requested = [];
  };
  for (let i = 0; i < count; i++) {
    const {
      exception: { id },
    } = await alice.request({
      namespaces: [`team-${i % 50}`],
      names: [`app-${i}-*`],
      category: 'legacy-migration',
      ticket: `MIG-${i}`,
      reason: 'Legacy images move to the signed pipeline during the migration',
      expires: `${expiresDays ? expiresDays(i) : (i % 30) + 1}d`,
    });
    if (!batched) {
      await bob.approve(id);
      await carol.apply(id);
      continue;
    }
    requested.push(id);
    if (requested.length === BATCH) await approveAndApply();
  }
  await approveAndApply();
  await deps.store.close();
}

async function check(pending) {
  const refused = (await pending).items.filter((item) => !item.ok);
  if (refused.length > 0) throw new Error(`seeding refused: ${JSON.stringify(refused[0])}`);
}
