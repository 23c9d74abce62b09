import { messageOf } from '../domain/errors.js';
import { controllerActor } from '../service/actor.js';
import type { ServiceDeps } from '../service/deps.js';
import type { ChangeFeed, LeaderLease, Scheduler } from '../service/ports/runtime.js';
import { reconcileTarget, type ReconcileReport } from '../service/reconcile.js';
import { scheduledLoop, type ScheduledLoop } from '../service/scheduled-loop.js';
import { sweep, type SweepReport } from '../service/sweep.js';
import { targetNamed } from '../service/targets.js';

/** How often the controller acts; the composition root sets them, tests shorten them. */
export interface ControllerTimings {
  /** Between two full runs (sweep + reconcile) when nothing happens. */
  intervalMs: number;
  /** Lease renewal; the lease lasts three times this. */
  renewMs: number;
  /** After a failed run: doubled each time, up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
}

export interface ControllerLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ControllerOptions {
  deps: ServiceDeps;
  /** The target this loop keeps: its records are swept, its objects reconciled. */
  target: string;
  /** Leadership among replicas: only the holder runs. */
  lease: LeaderLease;
  /** Changes in the cluster: each one triggers a run at once. */
  changes: ChangeFeed;
  scheduler: Scheduler;
  timings: ControllerTimings;
  /** This replica, for the log. */
  identity: string;
  log: ControllerLog;
  onRun?: (run: ControllerRun) => void;
}

export interface ControllerRun {
  target: string;
  sweep: SweepReport;
  /** Undefined for a folder, which cannot be read back: its run is the sweep alone. */
  reconcile?: ReconcileReport;
}

/**
 * The loop that keeps one target, of any kind: while it holds the lease, it runs the sweep (reminders,
 * expiry) and converges the target to the store (a cluster or a repository; a folder cannot be read
 * back) on a schedule and at once when the change feed sees a change. A failed run is retried with capped
 * exponential backoff; nothing is lost, because each run starts from the store and the target.
 */
export class Controller {
  private leader = false;
  private readonly runs: ScheduledLoop;
  private readonly renewal: ScheduledLoop;

  constructor(private readonly o: ControllerOptions) {
    const { scheduler, timings, target, log } = o;
    this.runs = scheduledLoop({
      scheduler,
      intervalMs: timings.intervalMs,
      backoff: { baseMs: timings.backoffMs, capMs: timings.maxBackoffMs },
      run: (signal) => this.runOnce(signal),
      failed: (e, retryInMs) =>
        log.error({ target, error: messageOf(e), retryInMs }, 'controller run failed'),
    });
    this.renewal = scheduledLoop({
      scheduler,
      intervalMs: timings.renewMs,
      run: () => this.renew(),
      failed: (e) => log.error({ target, error: messageOf(e) }, 'cannot renew the controller lease'),
    });
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.o.changes.start({
      changed: () => this.kick(),
      failed: (e) =>
        this.o.log.error(
          { target: this.o.target, error: messageOf(e) },
          'PolicyException watch failed; resuming',
        ),
    });
    this.renewal.start();
    this.runs.start();
  }

  /** The run in progress is aborted and waited for, the lease renewed meanwhile, then released. */
  async stop(): Promise<void> {
    this.o.changes.stop();
    await this.runs.stop();
    await this.renewal.stop();
    if (this.leader) await this.o.lease.release();
    this.leader = false;
  }

  /** Run soon: a change, or leadership just won. Runs never overlap; a kick during one runs once more. */
  kick(): void {
    if (this.leader) this.runs.runNow();
  }

  /** One run, while leading: sweep, then reconcile where the target can be read back. */
  private async runOnce(signal: AbortSignal): Promise<void> {
    if (!this.leader || signal.aborted) return;
    const { deps, target } = this.o;
    const swept = await sweep(deps, controllerActor, undefined, { targets: [target] });
    if (signal.aborted) return;
    const { observable } = targetNamed(deps, target).target.capabilities;
    const reconciled = observable ? { reconcile: await reconcileTarget(deps, controllerActor, target) } : {};
    this.o.onRun?.({ target, sweep: swept, ...reconciled });
  }

  private async renew(): Promise<void> {
    const { target, identity, log } = this.o;
    const was = this.leader;
    try {
      this.leader = await this.o.lease.tryAcquireOrRenew();
    } catch (e) {
      this.leader = false;
      log.error({ target, error: messageOf(e) }, 'cannot renew the controller lease');
    }
    if (this.leader !== was) log.info({ target, identity }, this.leader ? 'leading' : 'standing by');
    if (this.leader && !was) this.kick();
  }
}
