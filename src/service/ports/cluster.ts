import type { DoctorFinding } from '../../domain/doctor-finding.js';
import type { Issue } from '../../domain/issue.js';
import type { InventoryObjects } from '../../domain/inventory-objects.js';
import type { KnownPolicy } from '../../domain/policy-catalog.js';

/** What Waiver reads of a cluster target besides its exceptions. */
export interface ClusterServices {
  catalog: ClusterCatalog;
  inventory: ClusterInventory;
  doctor: ClusterDoctor;
}

export interface ScopeToCheck {
  policy: string;
  rules: readonly string[];
  namespaces: readonly string[];
}

/** What the cluster has: a request for a policy, rule or namespace it lacks is refused. */
export interface ClusterCatalog {
  checkScope(scope: ScopeToCheck): Promise<Issue[]>;
  /** Every Kyverno policy the cluster holds (ClusterPolicies, Policies, CEL policies), with its rules. */
  policies(): Promise<KnownPolicy[]>;
}

/** What the cluster runs, read for `covers` (the blast radius). */
export interface ClusterInventory {
  /** Objects of the kinds the selectors name (the workload kinds when none), in these namespaces (all when none). */
  objects(kindSelectors: readonly string[], namespaces: readonly string[]): Promise<InventoryObjects>;
  /** Every namespace's labels, for `namespaceSelector`. */
  namespaceLabels(): Promise<Map<string, Record<string, string>>>;
  /**
   * Every policy report, namespaced and cluster-wide (wgpolicyk8s.io/v1alpha2, and openreports.io where
   * served), as the API returns them.
   */
  reports(): Promise<unknown[]>;
  /** A policy by the name an exception gives it (`name`, or `namespace/name` for a Policy); undefined if absent. */
  policy(name: string): Promise<Record<string, unknown> | undefined>;
}

/** Checks the cluster Waiver writes to: Kyverno, its CRD, the namespace, the policies in use, RBAC. */
export interface ClusterDoctor {
  diagnose(policies: readonly string[]): Promise<DoctorFinding[]>;
}
