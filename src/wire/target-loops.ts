/** The periodic work of every target: one controller per target, whatever its kind. */
import type { Config } from '../config/load.js';
import type { ControllerLog, ControllerRun, ControllerTimings } from '../controller/controller.js';
import type { SweepReport } from '../service/sweep.js';
import { systemScheduler } from '../system/system-scheduler.js';
import type { Assembled } from './deps.js';
import { maskedLog } from './process-log.js';

/** How the controller paces itself; the interval between full runs comes from the configuration. */
export const controllerTimings = (config: Config): ControllerTimings => ({
  intervalMs: config.server.sweepIntervalSeconds * 1000,
  renewMs: 5_000,
  backoffMs: 1_000,
  maxBackoffMs: 60_000,
});

/** A run that reconciled: a cluster's or a repository's (a folder's is reported as its sweep). */
export type ReconciledRun = Required<ControllerRun>;

/**
 * The periodic work of every target, each on its own (one that hangs stalls only itself): one controller
 * per target, whatever its kind (see `startTargetLoop`).
 */
export async function startTargetLoops(
  config: Config,
  assembled: Assembled,
  log: ControllerLog,
  onRun: (run: ReconciledRun) => void,
): Promise<Running> {
  if (assembled.deps.redact) log = maskedLog(log, assembled.deps.redact);
  const loops: { stop(): Promise<void> }[] = [];
  for (const name of assembled.deps.targets.names)
    loops.push(await startTargetLoop(name, config, assembled, log, onRun));
  return { close: async () => void (await Promise.all(loops.map((l) => l.stop()))) };
}

/**
 * The one entrance to a target's loop: a cluster leads by its Lease and runs at once on its watch's
 * changes; a Git repository or a folder leads by a lease in the store and runs on its interval. A folder's
 * run is its sweep (it cannot be read back), logged as the folders' sweep always was.
 */
async function startTargetLoop(
  name: string,
  config: Config,
  { deps, clusters }: Assembled,
  log: ControllerLog,
  onRun: (run: ReconciledRun) => void,
): Promise<{ stop(): Promise<void> }> {
  const [{ Controller }, { storeLeaderLease, noChangeFeed }] = await Promise.all([
    import('../controller/controller.js'),
    import('../controller/store-lease.js'),
  ]);
  const timings = controllerTimings(config);
  const scheduler = systemScheduler;
  // The instance names the host already: hostname/pid/random.
  const identity = deps.instance;
  const leaseSeconds = Math.max(1, Math.ceil((timings.renewMs * 3) / 1000));
  const cluster = clusters.get(name);
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
    onRun: ({ reconcile, ...run }) =>
      reconcile ? onRun({ ...run, reconcile }) : sweptFolder(run.sweep, log),
  });
  controller.start();
  return controller;
}

/** A folder's sweep in the log when it did or failed something. */
function sweptFolder(report: SweepReport, log: ControllerLog): void {
  const acted =
    report.reminded.length + report.expired.length + report.written.length + report.deleted.length;
  if (acted > 0 || report.failed.length > 0) log.info({ sweep: report }, 'sweep done');
}

export interface Running {
  /** Stops the loops, finishes what is in flight, closes the database. */
  close(): Promise<void>;
}
