import type { LintReport, LintSource } from '../../domain/lint-report.js';

/** The source of "now". Every use case reads time here, so tests move a clock instead of sleeping. */
export interface Clock {
  now(): number;
}

/** Cancels what a `Scheduler` was asked to do. */
export type Cancel = () => void;

/**
 * Every wait: the scheduled loops (each target's controller, the outbox's delivery) and the Kubernetes
 * target's retries. Tests step a manual scheduler instead of sleeping.
 */
export interface Scheduler {
  after(ms: number, work: () => void): Cancel;
}

/**
 * Leadership among controller replicas (a coordination.k8s.io Lease): only the holder reconciles.
 * Taking a lease one holds renews it.
 */
export interface LeaderLease {
  /** True when this replica holds the lease now (taken or renewed by this call). */
  tryAcquireOrRenew(): Promise<boolean>;
  /** Steps down, so a standby takes over at once instead of after the lease lapses. */
  release(): Promise<void>;
}

export interface ChangeHandlers {
  /** Something changed (or may have: a relist); the controller reconciles. */
  changed(reason: string): void;
  /** The feed broke; it resumes by itself. */
  failed(error: unknown): void;
}

/** Changes to PolicyExceptions where Kyverno reads them (a watch): the controller reacts at once. */
export interface ChangeFeed {
  start(handlers: ChangeHandlers): void;
  stop(): void;
}

/** Checks PolicyException manifests; the server runs it apart from its event loop (untrusted input). */
export interface ManifestLinter {
  lint(sources: readonly LintSource[], nowMs: number): Promise<LintReport>;
}
