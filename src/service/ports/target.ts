import type { ExceptionManifest } from '../../domain/manifest.js';
import type { ObservedException } from '../../domain/observed.js';
import type { ProposalStatus } from '../../domain/proposal.js';
import type { TargetKind } from '../../domain/target-kind.js';
import type { TargetReceipt } from '../../domain/target-receipt.js';
import type { ClusterServices } from './cluster.js';

/**
 * What a target can do besides writing and removing, as it declares it: callers ask these, never which
 * methods an object happens to have (a wrapper that dropped one would switch a feature off unseen).
 */
export interface TargetCapabilities {
  /** It can be read back (`list`): drift, deletions and rogue exceptions are found by it. */
  readonly observable: boolean;
  /** It proposes changes as pull (merge) requests, whose state `proposalState` asks the forge. */
  readonly proposals: boolean;
  /**
   * Operations given to it together become one change (a Git commit and push), so it takes a whole batch at
   * once; a target without it (a cluster, a folder) gets a few at a time (TARGET_CONCURRENCY).
   */
  readonly batches: boolean;
}

/**
 * Where Kyverno reads exceptions from: a folder, a Git repository or a cluster. Writes and removals are
 * idempotent. Every method is required, so a wrapper that forgets one does not compile; one the target's
 * capabilities do not declare rejects when called.
 */
export interface Target {
  readonly description: string;
  readonly capabilities: TargetCapabilities;
  write(manifest: ExceptionManifest): Promise<TargetReceipt | void>;
  /** Removes one PolicyException; `apiVersion` says which API group (kyverno.io when absent). */
  remove(namespace: string, name: string, apiVersion?: string): Promise<TargetReceipt | void>;
  /** What it holds now (capability `observable`). */
  list(): Promise<ObservedException[]>;
  /** Whether a change it proposed was merged, is still open, or was closed unmerged (capability `proposals`). */
  proposalState(url: string): Promise<ProposalStatus>;
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
