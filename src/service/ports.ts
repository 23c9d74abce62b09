import type { AuditEvent, AuditFact, NewAuditEvent } from '../domain/audit.js';
import type { Issue } from '../domain/errors.js';
import type { AuditAction } from '../domain/lifecycle.js';
import type {
  Category,
  ExceptionRecord,
  NewExceptionRecord,
  State,
  StoredState,
  SyncStatus,
} from '../domain/exception.js';
import type { ExceptionManifest } from '../domain/manifest.js';
import type { OutboxEntry } from '../domain/notification-routes.js';
import type { ObservedException } from '../domain/observed.js';
import type { KnownPolicy } from '../domain/policy-catalog.js';
import type { Role } from './actor.js';
import type { LintReport, LintSource } from './lint-manifests.js';

/** The source of "now". Every use case reads time here, so tests move a clock instead of sleeping. */
export interface Clock {
  now(): number;
}

/** One group of `countByState`: the exceptions on one target in one shown state. */
export interface StateCount {
  target: string;
  state: State;
  count: number;
}

export interface ExceptionQuery {
  states?: readonly StoredState[];
  syncStatuses?: readonly SyncStatus[];
  namespace?: string;
  /** Only these exceptions (a chunk of work read in one query). */
  ids?: readonly number[];
  /** Only exceptions with one of these names. */
  names?: readonly string[];
  /** Only exceptions that expire at or before this RFC3339 instant. */
  expiresBy?: string;
  policy?: string;
  category?: Category;
  /** Only exceptions on these named targets. */
  targets?: readonly string[];
  /** Only rows from before named targets, which no target has adopted yet. */
  untargeted?: true;
  /** Only exceptions whose name, ticket, requestor or reason holds this text (any case). */
  search?: string;
  /** Paging: only ids above this one, at most `limit` rows, in id order. */
  afterId?: number;
  limit?: number;
  /** Another order than ids ascending: the newest first, or the soonest expiry first (then by id). */
  order?: 'newest' | 'expiry';
  /** With `order`: rows to skip (its pages are counted, not keyed). */
  offset?: number;
  /**
   * Read the rows from the database, past anything a long-lived store keeps: a row changed behind its
   * back keeps its version, so only a direct read shows it (audit verification).
   */
  direct?: true;
}

/** An API token as listed: never its secret, which is shown once and stored only as a hash. */
export interface ApiToken {
  id: string;
  owner: string;
  roles: Role[];
  description: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface StoredToken extends ApiToken {
  lookup: string;
  hash: string;
}

export interface AuditQuery {
  exceptionId?: number;
  action?: AuditAction;
  /** Only events after this one: what arrived since a reader last looked, or the next page. */
  afterSeq?: number;
  actor?: string;
  /** RFC3339 UTC, whole seconds (as events are stored): from, inclusive, until, exclusive. */
  since?: string;
  until?: string;
  limit?: number;
  /** Newest first: with `limit: 1`, the chain's head. */
  newestFirst?: boolean;
}

export interface StoreReader {
  getException(id: number): Promise<ExceptionRecord | undefined>;
  /** Every exception with this name, newest first. */
  findByName(name: string): Promise<ExceptionRecord[]>;
  listExceptions(query?: ExceptionQuery): Promise<ExceptionRecord[]>;
  /** How many exceptions are in each shown state as of `nowIso` (an active one past it is `expired`), per target. */
  countByState(nowIso: string): Promise<StateCount[]>;
  listAudit(query?: AuditQuery): Promise<AuditEvent[]>;
  /**
   * The trail after `afterSeq` in chain order, `limit` at a time, as the metrics read it: without actors
   * and hashes, with `data` only for the actions in `dataOf` (`{}` for the rest), and, given `only`, only
   * the events of those actions.
   */
  listAuditFacts(
    afterSeq: number,
    limit: number,
    dataOf: readonly AuditAction[],
    only?: readonly AuditAction[],
  ): Promise<AuditFact[]>;
  findTokenByLookup(lookup: string): Promise<StoredToken | undefined>;
  listTokens(): Promise<ApiToken[]>;
  /** Every token row as stored (hash included): what audit verification checks against the trail. */
  listStoredTokens(): Promise<StoredToken[]>;
  /** Whether the named data migration ran on this database (see `recordDataMigration`). */
  hasDataMigration(name: string): Promise<boolean>;
}

export interface StoreWriter extends StoreReader {
  insertException(record: NewExceptionRecord): Promise<ExceptionRecord>;
  /** Saves a changed record; fails with `conflict` if someone else changed it since it was read. */
  updateException(record: ExceptionRecord): Promise<ExceptionRecord>;
  /** Appends to the audit hash chain. */
  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  insertToken(token: StoredToken): Promise<void>;
  /** Marks the token revoked; false when there is no such token or it was revoked already. */
  revokeToken(id: string, at: string): Promise<boolean>;
  /** Adds notifications to the outbox; one whose key and channel are there already is left out. */
  enqueueNotifications(entries: readonly OutboxEntry[]): Promise<void>;
  /**
   * Records that the named data migration ran, with the work it did in this transaction; false when it
   * was recorded already (another process ran it first), so it runs once per database.
   */
  recordDataMigration(name: string, atIso: string): Promise<boolean>;
}

export const notificationStates = ['pending', 'sent', 'dead'] as const;
export type NotificationState = (typeof notificationStates)[number];

/** A notification in the outbox, with where its delivery stands. */
export interface StoredNotification extends Omit<OutboxEntry, 'dueAt'> {
  id: number;
  state: NotificationState;
  attempts: number;
  /** A pending one is not tried before this instant (its backoff). */
  nextAttemptAt: string;
  lastError: string | null;
  sentAt: string | null;
}

/** One try to deliver a notification. */
export interface DeliveryAttempt {
  notificationId: number;
  at: string;
  channel: string;
  status: 'sent' | 'failed';
  error: string | null;
}

/** How one claimed notification's try went: sent, to be tried again at `retryAt`, or dead. */
export interface DeliveryOutcome {
  id: number;
  at: string;
  channel: string;
  result: { status: 'sent' } | { status: 'failed'; error: string; retryAt: string | undefined };
}

export interface NotificationQuery {
  states?: readonly NotificationState[];
  exceptionId?: number;
  afterId?: number;
  limit?: number;
  newestFirst?: boolean;
}

/** The outbox's side that dispatchers and operators use, outside the transactions that fill it. */
export interface OutboxStore {
  /**
   * Claims up to `limit` pending notifications due at `nowIso` for `holder` until `untilIso`: no other
   * dispatcher gets them meanwhile (decision 0012). A claim that lapses (its holder died) frees them.
   */
  claimNotifications(
    holder: string,
    nowIso: string,
    untilIso: string,
    limit: number,
  ): Promise<StoredNotification[]>;
  /** Records each try and its outcome, in one transaction, for the notifications `holder` claimed. */
  recordDeliveries(holder: string, outcomes: readonly DeliveryOutcome[]): Promise<void>;
  listNotifications(query?: NotificationQuery): Promise<StoredNotification[]>;
  listDeliveryAttempts(notificationId: number): Promise<DeliveryAttempt[]>;
  /** Makes dead notifications pending again, due at `nowIso`; answers the ids it moved. */
  retryNotifications(ids: readonly number[], nowIso: string): Promise<number[]>;
  /** Pending notifications by channel (a gauge). */
  countPendingNotifications(): Promise<Record<string, number>>;
  /** Whether a notification waits that a dispatcher could claim at `nowIso` (due, and not claimed). */
  hasDueNotifications(nowIso: string): Promise<boolean>;
  hasNotification(key: string): Promise<boolean>;
}

/**
 * A named lease with an expiry: whoever holds it does the periodic work, so replicas sharing one
 * database never act twice. Taking a lease one already holds extends it.
 */
export interface LeaseStore {
  tryAcquireLease(name: string, holder: string, nowMs: number, ttlMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
}

/** Where desired state lives. One mutating use case is one `transaction`. */
export interface ExceptionStore extends StoreReader, LeaseStore, OutboxStore {
  transaction<T>(work: (tx: StoreWriter) => Promise<T>): Promise<T>;
  /** Throws (storage_full, unavailable) while a write could not succeed: a full disk, a read-only file. */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
}

/** What a target says it did: shown by `describe` as the last write. */
export interface TargetReceipt {
  /** A commit SHA, or the object's resourceVersion in a cluster. */
  revision?: string;
  /** A pull or merge request carries the change: it takes effect when that request is merged. */
  proposal?: string;
}

/** Where a proposed change (a pull or merge request) stands at the forge. */
export type ProposalState = 'open' | 'merged' | 'closed';

/** A proposed change's state, and once merged the commit that merged it (when the forge says). */
export interface ProposalStatus {
  state: ProposalState;
  mergeCommit?: string | undefined;
}

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

/** What Waiver reads of a cluster target besides its exceptions. */
export interface ClusterServices {
  catalog: ClusterCatalog;
  inventory: ClusterInventory;
  doctor: ClusterDoctor;
}

export const targetKinds = ['cluster', 'directory', 'git'] as const;
export type TargetKind = (typeof targetKinds)[number];

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

export type { ObservedException } from '../domain/observed.js';

/** A target that can be read back (the cluster): drift, deletions and rogue exceptions are found by it. */
export interface ObservableTarget extends Target {
  list(): Promise<ObservedException[]>;
}

export const isObservable = (target: Target): target is ObservableTarget =>
  typeof (target as Partial<ObservableTarget>).list === 'function';

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

/** One check of `waiver doctor`: what it found, and how to fix it when it is not ok. */
export interface DoctorFinding {
  /** The cluster target it is about (set by `waiver doctor` across targets). */
  target?: string;
  check: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  fix?: string;
}

/** The cluster's objects of some kinds: what `covers` matches an exception against. */
export interface InventoryObjects {
  objects: Record<string, unknown>[];
  /** The kinds listed, as apiVersion/Kind. */
  kinds: string[];
  /** Kind selectors that name no kind the inventory lists. */
  skipped: string[];
  /** More objects than the inventory reads at once: the answer covers the first ones only. */
  truncated: boolean;
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

/** Cancels what a `Scheduler` was asked to do. */
export type Cancel = () => void;

/**
 * Waiting, for the loops that run on their own (the controller, the periodic sweep). Tests step a manual
 * scheduler instead of sleeping.
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
