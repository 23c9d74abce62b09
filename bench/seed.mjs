// Seeds a database with `count` active exceptions through the real use cases: requested by alice,
// approved by bob, applied by carol, so records, audit trail and target files are what Waiver leaves.
import { defaultSettings } from '../dist/src/domain/settings.js';
import { localActor } from '../dist/src/service/actor.js';
import { createWaiver } from '../dist/src/service/waiver.js';
import { openSqliteStore } from '../dist/src/store/open-sqlite.js';
import { DirectoryTarget } from '../dist/src/targets/directory-target.js';

export async function seed(dbPath, targetDir, count) {
  const deps = {
    store: await openSqliteStore(dbPath),
    target: new DirectoryTarget(targetDir, { createRoot: true }),
    notifier: { notify: () => Promise.resolve() },
    clock: { now: () => Date.now() },
    settings: defaultSettings,
    instance: 'bench-seed',
  };
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((name) => createWaiver(deps, localActor(name)));
  for (let i = 0; i < count; i++) {
    const {
      exception: { id },
    } = await alice.request({
      namespaces: [`team-${i % 50}`],
      names: [`app-${i}-*`],
      category: 'legacy-migration',
      ticket: `MIG-${i}`,
      reason: 'Legacy images move to the signed pipeline during the migration',
      expires: `${(i % 30) + 1}d`,
    });
    await bob.approve(id);
    await carol.apply(id);
  }
  await deps.store.close();
}
