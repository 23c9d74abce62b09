import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Cancel, ChangeFeed, ChangeHandlers, Scheduler } from '../../service/ports/runtime.js';

/**
 * Watches PolicyExceptions in every namespace and resumes from the last resourceVersion it saw (events
 * and bookmarks). A 410 Gone (history compacted) restarts from now and asks for a full reconcile, which
 * lists everything: nothing that happened in the gap is missed.
 */
export class PolicyExceptionWatch implements ChangeFeed {
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  private cancelRestart: Cancel | undefined;
  private handlers: ChangeHandlers = { changed: () => undefined, failed: () => undefined };

  constructor(
    private readonly kc: KubeConfig,
    private readonly version: string,
    private readonly scheduler: Scheduler,
    private readonly restartDelayMs = 1_000,
  ) {}

  start(handlers: ChangeHandlers): void {
    this.handlers = handlers;
    this.stopped = false;
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    this.cancelRestart?.();
    this.abort?.abort();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const query: Record<string, string | boolean> = { allowWatchBookmarks: true };
    if (this.resourceVersion) query['resourceVersion'] = this.resourceVersion;
    try {
      const abort = await new Watch(this.kc).watch(
        `/apis/kyverno.io/${this.version}/policyexceptions`,
        query,
        (phase: string, object: { metadata?: { resourceVersion?: string; name?: string }; code?: number }) =>
          this.event(phase, object),
        (error: unknown) => this.ended(error),
      );
      // stop() may have run while the request was opening: close what it could not reach.
      if (this.stopped) abort.abort();
      else this.abort = abort;
    } catch (e) {
      this.ended(e);
    }
  }

  private event(
    phase: string,
    object: { metadata?: { resourceVersion?: string; name?: string }; code?: number },
  ): void {
    if (phase === 'ERROR') {
      // 410 Gone: our resourceVersion is older than the server keeps; start afresh and relist.
      if (object.code === 410) this.resourceVersion = undefined;
      this.handlers.changed(`watch error ${object.code ?? ''}: relist`);
      return;
    }
    this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
    if (phase !== 'BOOKMARK') this.handlers.changed(`${phase} ${object.metadata?.name ?? ''}`);
  }

  private ended(error: unknown): void {
    if (this.stopped) return;
    if (error) this.handlers.failed(error);
    // A watch ends normally too (server timeout); either way it resumes, and a relist covers the gap.
    this.handlers.changed('watch restarted');
    this.cancelRestart = this.scheduler.after(this.restartDelayMs, () => void this.open());
  }
}
