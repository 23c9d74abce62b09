/** The periodic work of every target: a controller per cluster and Git repository, a sweep for folders. */
import type { Config } from '../config/load.js';
import type { ControllerLog, ControllerRun, ControllerTimings } from '../controller/controller.js';
import { controllerActor } from '../service/actor.js';
import { systemScheduler } from '../system/system-scheduler.js';
import { createWaiver } from '../service/waiver.js';
import type { Assembled } from './deps.js';
import { maskedLog } from './process-log.js';

/** How the controller paces itself; the interval between full runs comes from the configuration. */
export const controllerTimings = (config: Config): ControllerTimings => ({
  intervalMs: config.server.sweepIntervalSeconds * 1000,
  renewMs: 5_000,
  backoffMs: 1_000,
  maxBackoffMs: 60_000,
});

/**
 * The periodic work of every target, each on its own (one that hangs stalls only itself): a controller per
 * cluster (its Lease, its watch, its backoff) and per Git repository (a lease in the store, no watch),
 * and one periodic sweep for the folders.
 */
export async function startTargetLoops(
  config: Config,
  { deps, clusters }: Assembled,
  log: ControllerLog,
  onRun: (run: ControllerRun) => void,
): Promise<Running> {
  const [{ Controller }, { storeLeaderLease, noChangeFeed }] = await Promise.all([
    import('../controller/controller.js'),
    import('../controller/store-lease.js'),
  ]);
  const timings = controllerTimings(config);
  const scheduler = systemScheduler;
  if (deps.redact) log = maskedLog(log, deps.redact);
  // The instance names the host already: hostname/pid/random.
  const identity = deps.instance;
  const leaseSeconds = Math.max(1, Math.ceil((timings.renewMs * 3) / 1000));
  const loops: { stop(): Promise<void> }[] = [];
  const folders: string[] = [];
  for (const name of deps.targets.names) {
    const kind = deps.targets.get(name)?.kind;
    const cluster = clusters.get(name);
    if (kind === 'directory') {
      folders.push(name);
      continue;
    }
    const k8s = cluster && (await cluster());
    const controller = new Controller({
      deps,
      target: name,
      lease: k8s
        ? k8s.lease(identity, leaseSeconds, deps.clock)
        : storeLeaderLease(deps.store, `controller:${name}`, identity, leaseSeconds * 1000, deps.clock),
      changes: k8s ? k8s.changes(scheduler) : noChangeFeed,
      scheduler,
      timings,
      identity,
      log,
      onRun,
    });
    controller.start();
    loops.push(controller);
  }
  if (folders.length) {
    const { startPeriodicSweep } = await import('../controller/periodic-sweep.js');
    const waiver = createWaiver(deps, controllerActor);
    loops.push(
      startPeriodicSweep(() => waiver.sweep(undefined, { targets: folders }), {
        intervalMs: timings.intervalMs,
        scheduler,
        log,
      }),
    );
  }
  return { close: async () => void (await Promise.all(loops.map((l) => l.stop()))) };
}

export interface Running {
  /** Stops the loops, finishes what is in flight, closes the database. */
  close(): Promise<void>;
}
