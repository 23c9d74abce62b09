/** The exception record: one request for a policy exception and everything that happened to it. */

import type { ClosureReason, ControlRef, RiskRating } from './controls.js';
import type { Exemptions } from './exemptions.js';

export const categories = [
  'emergency-hotfix',
  'vendor-image',
  'legacy-migration',
  'image-development',
] as const;
export type Category = (typeof categories)[number];

/** States as stored. `expired` is never stored: see `displayState`. */
export const storedStates = ['pending', 'approved', 'rejected', 'withdrawn', 'active', 'removed'] as const;
export type StoredState = (typeof storedStates)[number];
export const states = [
  'pending',
  'approved',
  'rejected',
  'withdrawn',
  'active',
  'expired',
  'removed',
] as const;
export type State = (typeof states)[number];

export const endReasons = ['expired', 'revoked', 'superseded'] as const;
export type EndReason = (typeof endReasons)[number];

/**
 * `none`: nothing to write yet; `pending`: a target write or delete is due; `pending-merge`: the change
 * waits in a pull request (a GitOps target); `error`: the last one failed.
 */
export const syncStatuses = ['none', 'pending', 'pending-merge', 'synced', 'error'] as const;
export type SyncStatus = (typeof syncStatuses)[number];

export const apiVersions = [
  'kyverno.io/v2',
  'kyverno.io/v2beta1',
  'policies.kyverno.io/v1',
  'policies.kyverno.io/v1beta1',
] as const;
export type ApiVersion = (typeof apiVersions)[number];

/** The CEL PolicyException (`policies.kyverno.io`), for ValidatingPolicy and the other CEL policy kinds. */
export const isCelApiVersion = (apiVersion: string): boolean => apiVersion.startsWith('policies.kyverno.io/');

export const podControllerKinds = [
  'Deployment',
  'DaemonSet',
  'StatefulSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
] as const;
export const allowedKinds = ['Pod', ...podControllerKinds] as const;
export type Kind = (typeof allowedKinds)[number];

/** What a requestor asks for; everything else on the record is Waiver's bookkeeping. */
export interface ExceptionScope {
  name: string;
  policy: string;
  rules: string[];
  kinds: string[];
  namespaces: string[];
  names: string[];
}

export interface Justification {
  category: Category;
  ticket: string;
  reason: string;
  riskAssessment: string | null;
  /** RFC3339 UTC instant. */
  expiresAt: string;
  /** Likelihood and impact (1–5) before and after the compensating controls. */
  riskRating: RiskRating | null;
  /** What limits the risk while the exception is in force (free text). */
  compensatingControls: string | null;
  /**
   * Compensating controls Kyverno checks: CEL expressions the resource must satisfy before a CEL
   * exception lets it through (rendered as match conditions; see `render-cel.ts`). Empty for most.
   */
  validations: string[];
  /**
   * Why the policy's finding is wrong for this scope, when the requester states it is a false positive
   * (FedRAMP's `false-positive` deviation): approving the request approves the claim.
   */
  falsePositive: string | null;
}

/** `Exemptions` narrow what it exempts inside its scope: Pod Security controls, or a CEL policy's lists. */
export interface ExceptionRecord extends ExceptionScope, Justification, Exemptions {
  id: number;
  state: StoredState;
  endReason: EndReason | null;
  /** Why it ended, as an auditor asks it; null while it has not. */
  closureReason: ClosureReason | null;
  /** The controls its policy implements, as the configuration mapped them when it was requested. */
  controls: ControlRef[];
  syncStatus: SyncStatus;
  syncError: string | null;
  requestor: string;
  approver: string | null;
  applier: string | null;
  requestedAt: string;
  approvedAt: string | null;
  appliedAt: string | null;
  removedAt: string | null;
  remindedAt: string | null;
  escalatedAt: string | null;
  renewalOf: number | null;
  renewalCount: number;
  apiVersion: ApiVersion;
  /** The named target this exception lives on, fixed at request time (decision 0015). */
  target: string;
  /** The last confirmed write or delete there: a commit SHA or a cluster's resourceVersion. */
  syncRevision: string | null;
  /** The pull or merge request that carries the last change, on a GitOps target in pull-request mode. */
  syncUrl: string | null;
  /** Optimistic concurrency: every update increments it. */
  version: number;
}

export type NewExceptionRecord = Omit<ExceptionRecord, 'id' | 'version'>;

export const formatId = (id: number): string => `EX-${id}`;

/** Accepts `EX-42`, `ex-42` or `42`; anything else is a name. */
export function parseIdRef(ref: string): number | undefined {
  const m = /^(?:EX-)?([1-9][0-9]{0,15})$/i.exec(ref.trim());
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** An active exception past its expiry shows as `expired` until the target no longer holds it. */
export function displayState(record: ExceptionRecord, nowMs: number): State {
  if (record.state === 'active' && Date.parse(record.expiresAt) <= nowMs) return 'expired';
  return record.state;
}

/** Live exceptions are those that are, or may become, effective. */
export const isLive = (record: ExceptionRecord): boolean =>
  record.state === 'pending' || record.state === 'approved' || record.state === 'active';
