import { messageOf } from '../domain/errors.js';
import { controllerActor } from '../service/actor.js';
import type { ServiceDeps } from '../service/deps.js';
import type { Cancel, ChangeFeed, LeaderLease, Scheduler } from '../service/ports/runtime.js';
import { reconcileTarget, type ReconcileReport } from '../service/reconcile.js';
import { sweep, type SweepReport } from '../service/sweep.js';

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
  reconcile: ReconcileReport;
}

/**
 * The reconcile loop: while it holds the lease, it runs the sweep (reminders, expiry) and converges the
 * cluster to the store on a schedule and at once when the change feed sees a change. A failed run is
 * retried with capped exponential backoff; nothing is lost, because each run starts from the store and
 * the cluster.
 */
export class Controller {
  private leader = false;
  private running: Promise<void> | undefined;
  private renewing: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private cancelNextRun: Cancel | undefined;
  private cancelRenewal: Cancel | undefined;
  private stopped = true;

  constructor(private readonly o: ControllerOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.stopped = false;
    this.o.changes.start({
      changed: () => this.kick(),
      failed: (e) =>
        this.o.log.error(
          { target: this.o.target, error: messageOf(e) },
          'PolicyException watch failed; resuming',
        ),
    });
    this.renew();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelNextRun?.();
    this.cancelRenewal?.();
    this.o.changes.stop();
    await this.renewing;
    await this.running;
    if (this.leader) await this.o.lease.release();
    this.leader = false;
  }

  /** Run soon: a change, or leadership just won. Runs never overlap; a kick during one runs once more. */
  kick(): void {
    if (this.stopped || !this.leader) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.cancelNextRun?.();
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** One run: sweep, then reconcile. Schedules the next by success or backoff. */
  async runOnce(): Promise<void> {
    const { deps, timings, target } = this.o;
    try {
      const swept = await sweep(deps, controllerActor, undefined, { targets: [target] });
      const reconciled = await reconcileTarget(deps, controllerActor, target);
      this.failures = 0;
      this.o.onRun?.({ target, sweep: swept, reconcile: reconciled });
      this.schedule(timings.intervalMs);
    } catch (e) {
      this.failures++;
      const delay = Math.min(timings.backoffMs * 2 ** (this.failures - 1), timings.maxBackoffMs);
      this.o.log.error({ target, error: messageOf(e), retryInMs: delay }, 'controller run failed');
      this.schedule(delay);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancelNextRun?.();
    this.cancelNextRun = this.o.scheduler.after(ms, () => this.kick());
  }

  private renew(): void {
    this.renewing = this.renewOnce();
  }

  private async renewOnce(): Promise<void> {
    if (this.stopped) return;
    const was = this.leader;
    try {
      this.leader = await this.o.lease.tryAcquireOrRenew();
    } catch (e) {
      this.leader = false;
      this.o.log.error({ target: this.o.target, error: messageOf(e) }, 'cannot renew the controller lease');
    }
    if (this.stopped) return; // stop() ran meanwhile: no new timer, or the process would never exit
    if (this.leader !== was)
      this.o.log.info(
        { target: this.o.target, identity: this.o.identity },
        this.leader ? 'leading' : 'standing by',
      );
    if (this.leader && !was) this.kick();
    this.cancelRenewal = this.o.scheduler.after(this.o.timings.renewMs, () => this.renew());
  }
}
