import { Watch, type KubeConfig } from '@kubernetes/client-node';

export interface WatchHandlers {
  /** Something changed (or may have: a relist); the controller reconciles. */
  changed(reason: string): void;
  /** The watch ended with an error; it restarts by itself. */
  failed(error: unknown): void;
}

/**
 * Watches PolicyExceptions in every namespace and resumes from the last resourceVersion it saw (events
 * and bookmarks). A 410 Gone (history compacted) restarts from now and asks for a full reconcile, which
 * lists everything: nothing that happened in the gap is missed.
 */
export class PolicyExceptionWatch {
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  private restart: NodeJS.Timeout | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly version: string,
    private readonly handlers: WatchHandlers,
    private readonly restartDelayMs = 1_000,
  ) {}

  start(): void {
    this.stopped = false;
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.restart);
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
    this.restart = setTimeout(() => void this.open(), this.restartDelayMs);
  }
}
