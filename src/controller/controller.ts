import type { KubeConfig } from '@kubernetes/client-node';
import { messageOf } from '../domain/errors.js';
import { controllerActor } from '../service/actor.js';
import type { ServiceDeps } from '../service/deps.js';
import { reconcile, type ReconcileReport } from '../service/reconcile.js';
import { sweep, type SweepReport } from '../service/sweep.js';
import { LeaseElector } from './leader-election.js';
import { PolicyExceptionWatch } from './policy-exception-watch.js';

export interface ControllerOptions {
  deps: ServiceDeps;
  kc: KubeConfig;
  /** This replica, as the Lease's holder. */
  identity: string;
  /** Between two full runs (sweep + reconcile) when nothing happens. */
  intervalMs: number;
  /** Lease renewal; the lease lasts three times this. */
  renewMs: number;
  /** After a failed run: doubled each time, up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  onRun?: (run: ControllerRun) => void;
}

export interface ControllerRun {
  sweep: SweepReport;
  reconcile: ReconcileReport;
}

/**
 * The reconcile loop: while it holds the Lease, it runs the sweep (reminders, expiry) and converges the
 * cluster to the store on a schedule and at once when the watch sees a change. A failed run is retried
 * with capped exponential backoff; nothing is lost, because each run starts from the store and the cluster.
 */
export class Controller {
  private readonly elector: LeaseElector;
  private readonly watch: PolicyExceptionWatch;
  private leader = false;
  private running: Promise<void> | undefined;
  private renewing: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(private readonly o: ControllerOptions) {
    const durationSeconds = Math.max(1, Math.ceil((o.renewMs * 3) / 1000));
    this.elector = new LeaseElector(
      o.kc,
      {
        namespace: o.deps.settings.exceptionNamespace,
        name: 'waiver-controller',
        identity: o.identity,
        durationSeconds,
      },
      o.deps.clock,
    );
    const version = o.deps.settings.apiVersion.split('/')[1] ?? 'v2';
    this.watch = new PolicyExceptionWatch(o.kc, version, {
      changed: () => this.kick(),
      failed: (e) => o.log.error({ error: messageOf(e) }, 'PolicyException watch failed; resuming'),
    });
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.stopped = false;
    this.watch.start();
    this.renew();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.renewTimer);
    this.watch.stop();
    await this.renewing;
    await this.running;
    if (this.leader) await this.elector.release();
    this.leader = false;
  }

  /** Run soon: a watch event, or leadership just won. Runs never overlap; a kick during one runs once more. */
  kick(): void {
    if (this.stopped || !this.leader) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
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
    const { deps } = this.o;
    try {
      const swept = await sweep(deps, controllerActor);
      const reconciled = await reconcile(deps, controllerActor);
      this.failures = 0;
      this.o.onRun?.({ sweep: swept, reconcile: reconciled });
      this.schedule(this.o.intervalMs);
    } catch (e) {
      this.failures++;
      const delay = Math.min(this.o.backoffMs * 2 ** (this.failures - 1), this.o.maxBackoffMs);
      this.o.log.error({ error: messageOf(e), retryInMs: delay }, 'controller run failed');
      this.schedule(delay);
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), ms);
  }

  private renew(): void {
    this.renewing = this.renewOnce();
  }

  private async renewOnce(): Promise<void> {
    if (this.stopped) return;
    const was = this.leader;
    try {
      this.leader = await this.elector.tryAcquireOrRenew();
    } catch (e) {
      this.leader = false;
      this.o.log.error({ error: messageOf(e) }, 'cannot renew the controller lease');
    }
    if (this.stopped) return; // stop() ran meanwhile: no new timer, or the process would never exit
    if (this.leader !== was)
      this.o.log.info({ identity: this.o.identity }, this.leader ? 'leading' : 'standing by');
    if (this.leader && !was) this.kick();
    this.renewTimer = setTimeout(() => this.renew(), this.o.renewMs);
  }
}
