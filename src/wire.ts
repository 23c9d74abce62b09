import type { Config } from './config/load.js';
import { LogNotifier } from './notify/log-notifier.js';
import { localActor } from './service/actor.js';
import type { Clock } from './service/ports.js';
import { systemClock } from './service/system-clock.js';
import { createWaiver, type Waiver } from './service/waiver.js';
import { openSqliteStore } from './store/open-sqlite.js';
import { DirectoryTarget } from './targets/directory-target.js';

/** The composition root of local mode: SQLite, the directory target, notifications to the log. */
export async function openLocalWaiver(
  config: Config,
  log: (line: string) => void,
  clock: Clock = systemClock,
): Promise<Waiver> {
  const store = await openSqliteStore(config.databasePath);
  const deps = {
    store,
    target: new DirectoryTarget(config.target.dir, { createRoot: config.target.createRoot }),
    notifier: new LogNotifier(log),
    clock,
    settings: config.settings,
  };
  return createWaiver(deps, localActor(config.user));
}
