import type { ExceptionManifest } from '../../domain/manifest.js';
import type { ObservedException } from '../../domain/observed.js';
import type { ProposalStatus } from '../../domain/proposal.js';
import type { TargetKind } from '../../domain/target-kind.js';
import type { TargetReceipt } from '../../domain/target-receipt.js';
import type { ClusterServices } from './cluster.js';

/**
 * Where Kyverno reads exceptions from: a folder, a Git repository or a cluster. Both operations are
 * idempotent.
 */
export interface Target {
  readonly description: string;
  write(manifest: ExceptionManifest): Promise<TargetReceipt | void>;
  /** Removes one PolicyException; `apiVersion` says which API group (kyverno.io when absent). */
  remove(namespace: string, name: string, apiVersion?: string): Promise<TargetReceipt | void>;
  /** Pull-request mode: whether a change it proposed was merged, is still open, or was closed unmerged. */
  proposalState?(url: string): Promise<ProposalStatus>;
}

/** One configured target, by the name records carry (decision 0015). */
export interface NamedTarget {
  name: string;
  kind: TargetKind;
  target: Target;
  /** A cluster target's catalog, inventory and doctor. */
  cluster?: ClusterServices | undefined;
}

/** The targets this process is configured with; every record names one of them, or one it lacks. */
export interface TargetSet {
  readonly defaultName: string;
  readonly names: readonly string[];
  get(name: string): NamedTarget | undefined;
}

/** A target that can be read back (the cluster): drift, deletions and rogue exceptions are found by it. */
export interface ObservableTarget extends Target {
  list(): Promise<ObservedException[]>;
}

export const isObservable = (target: Target): target is ObservableTarget =>
  typeof (target as Partial<ObservableTarget>).list === 'function';
