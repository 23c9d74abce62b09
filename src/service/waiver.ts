import type { AuditReport } from '../domain/audit-report.js';
import type { ReportInput } from './audit-report.js';
import type { OscalExportInput } from './export-oscal.js';
import type { RevokeClosure } from '../domain/controls.js';
import type { AuditEvent } from '../domain/audit.js';
import type { ApiVersion, ExceptionRecord } from '../domain/exception.js';
import type { Metrics } from '../domain/metrics.js';
import { exceptionView, type ExceptionView } from '../domain/view.js';
import { authorize, type Actor } from './actor.js';
import type { AuditHead } from './audit-checkpoint.js';
import type { AuditFilter, AuditPage, VerifyResult } from './audit-trail.js';
import type { BatchAction, BatchReport } from './batch-actions.js';
import type { ServiceDeps } from './deps.js';
import type { CoverageReport, OverlapReport } from './exception-coverage.js';
import type { ExceptionEvidence } from '../domain/report-evidence.js';
import type { RenewInput, RequestInput, TokenInput } from './inputs.js';
import type { LintReport, LintSource } from '../domain/lint-report.js';
import type { ExceptionDetail, ExceptionPage, ListFilter, PageRequest } from './list-exceptions.js';
import type { ApiToken } from '../domain/api-token.js';
import type { DoctorReport } from './check-cluster.js';
import type { ImportReport } from './import-exceptions.js';
import type { ReconcileReport, UnmanagedException } from './reconcile.js';
import type { NotificationFilter, NotificationView, RetryReport } from './notification-outbox.js';
import type { ReviewQueue } from './review-queue.js';
import type { ProcessSettings } from '../domain/settings.js';
import type { Role } from '../domain/roles.js';
import type { SweepReport, SweepScope } from './sweep.js';
import type { TargetView } from './list-targets.js';
import type { PolicyCatalog } from './list-policies.js';
import type { CreatedToken } from './tokens.js';
import type { ViolationFilter, ViolationList } from './list-violations.js';
import type { ViolationRef } from './draft-violation.js';
import type { RequestOrigin, ViolationDraft } from '../domain/violation-draft.js';

/** What every lifecycle action answers: the exception after it (and, on apply, the one a renewal replaced). */
export interface ActionResult {
  exception: ExceptionView;
  superseded?: ExceptionView;
  /** On request, on a cluster target: the active exceptions for the same policy it overlaps. */
  overlap?: OverlapReport;
  /** On a request drafted from a violation: the draft, and what the filed scope widened or narrowed. */
  origin?: RequestOrigin;
}

/**
 * Every use case, bound to one caller. The CLI's local mode calls it in-process; remote mode calls the
 * HTTP API, which serves the same interface, so commands are written once.
 */
export interface Waiver {
  request(input: RequestInput): Promise<ActionResult>;
  approve(ref: string, comment?: string): Promise<ActionResult>;
  reject(ref: string, comment?: string): Promise<ActionResult>;
  withdraw(ref: string, comment?: string): Promise<ActionResult>;
  apply(ref: string, comment?: string): Promise<ActionResult>;
  /** `closure`: why it ends early (default `revoked`, or `escalated` for an escalated exception). */
  revoke(ref: string, comment?: string, closure?: RevokeClosure): Promise<ActionResult>;
  renew(ref: string, input: RenewInput): Promise<ActionResult>;
  /** One action on many exceptions, one outcome per id: a refused id never blocks the rest. */
  batch(action: BatchAction, refs: readonly string[], comment?: string): Promise<BatchReport>;
  /** Several requests, all created in one transaction or none; served by the batch call's `request` action. */
  requestBatch(inputs: readonly RequestInput[]): Promise<BatchReport>;
  escalate(ref: string, comment?: string): Promise<ActionResult>;
  get(ref: string): Promise<ExceptionView>;
  list(filter?: ListFilter): Promise<ExceptionView[]>;
  listPage(filter: ListFilter, page: PageRequest): Promise<ExceptionPage>;
  describe(ref: string): Promise<ExceptionDetail>;
  audit(ref?: string, filter?: AuditFilter): Promise<AuditEvent[]>;
  auditPage(ref: string | undefined, filter: AuditFilter, page: PageRequest): Promise<AuditPage>;
  verifyAudit(): Promise<VerifyResult>;
  /** An OSCAL document (POA&M or assessment results) of the period, as JSON text in chunks. */
  exportOscal(input: OscalExportInput): Promise<AsyncIterable<string>>;
  /** The audit report of a period (its checkpoint `not-given`: a checkpoint is checked where it is kept). */
  report(input: ReportInput): Promise<AuditReport>;
  /** The newest event's number and hash, for a signed checkpoint kept outside the database. */
  auditHead(): Promise<AuditHead>;
  metrics(atMs?: number): Promise<Metrics>;
  /** What waits for the caller now (pending, approved, expiring, escalated, unremoved), by role. */
  review(options?: { all?: boolean | undefined }): Promise<ReviewQueue>;
  /** The caller: its identity and roles. */
  me(): Promise<{ name: string; roles: Role[] }>;
  /** The process's rules as this server runs them. */
  settings(): Promise<ProcessSettings>;
  /** The configured targets: where a request may ask to live. */
  targets(): Promise<{ items: TargetView[] }>;
  /** The policies and rules a request for the target (the default one when absent) may name. */
  policies(target?: string): Promise<PolicyCatalog>;
  /** The outbox: what was sent, what waits and why, what is dead. */
  notifications(filter?: NotificationFilter): Promise<{ items: NotificationView[] }>;
  /** Dead notifications tried again. */
  retryNotifications(ids: readonly number[]): Promise<RetryReport>;
  render(ref: string, apiVersion?: ApiVersion): Promise<string>;
  /** What an exception lets through in the cluster now (any state: a pending one before approval). */
  covers(ref: string): Promise<CoverageReport>;
  /** What a request would let through, before it is filed. */
  previewCovers(input: RequestInput): Promise<CoverageReport>;
  /** What the cluster's policy reports prove about an exception: exempted resources, and its flags. */
  evidence(ref: string, reportsFrom?: string): Promise<ExceptionEvidence>;
  /** The same for every exception in effect and those ended lately; flagged ones first. */
  evidenceAll(reportsFrom?: string): Promise<{ items: ExceptionEvidence[] }>;
  /** The failing results of the clusters' policy reports, by resource and policy, with owners and coverage. */
  violations(filter?: ViolationFilter): Promise<ViolationList>;
  /** The narrowest request that lets a violation through, for the requester to justify (or narrow). */
  draftFromViolation(ref: ViolationRef): Promise<ViolationDraft>;
  /** The periodic work once; with `targets`, only the exceptions on those targets. */
  sweep(atMs?: number, scope?: SweepScope): Promise<SweepReport>;
  lint(sources: readonly LintSource[]): Promise<LintReport>;
  /** Every target that can be read back, or the one named. */
  reconcile(target?: string): Promise<ReconcileReport>;
  unmanaged(target?: string): Promise<UnmanagedException[]>;
  import(options: { dryRun: boolean; target?: string | undefined }): Promise<ImportReport>;
  doctor(target?: string): Promise<DoctorReport>;
  createToken(input: TokenInput): Promise<CreatedToken>;
  listTokens(): Promise<ApiToken[]>;
  revokeToken(id: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Use cases are loaded when first called, so a command pays only for what it runs: `get` never loads
 * the request schemas (zod) or the manifest renderer (yaml).
 *
 * From a method to its use case: find the method's key below (`approve:`); the file in its `import()`, or
 * in the helper it calls (`review()`, `lists()`, `audit()`, `tokens()`, just above), is the use case
 * (`./review-exception.js` → `src/service/review-exception.ts`) and the function it calls there is the entry
 * (`approveException`). "Go to definition" stops at the `import()`; open the file it names. The API route
 * and the remote client of each method are its entry in `src/api/operations.ts` (all but `list`, `audit`,
 * `requestBatch` and `close`, which `OperationName` leaves out).
 */
export function createWaiver(deps: ServiceDeps, actor: Actor): Waiver {
  const view = async (pending: Promise<ExceptionRecord>): Promise<ActionResult> => ({
    exception: exceptionView(await pending, deps.clock.now()),
  });
  const review = () => import('./review-exception.js');
  const lists = () => import('./list-exceptions.js');
  const audit = () => import('./audit-trail.js');
  const tokens = () => import('./tokens.js');
  return {
    request: async (input) => {
      const record = await (await import('./request-exception.js')).requestException(deps, actor, input);
      const overlap = await (await import('./exception-coverage.js')).overlapOf(deps, record);
      const origin = input.fromViolation ? await (await lists()).requestOrigin(deps, record.id) : null;
      return {
        exception: exceptionView(record, deps.clock.now()),
        ...(overlap && (overlap.exceptions.length || overlap.notes.length) ? { overlap } : {}),
        ...(origin ? { origin } : {}),
      };
    },
    approve: async (ref, comment) => view((await review()).approveException(deps, actor, ref, comment)),
    reject: async (ref, comment) => view((await review()).rejectException(deps, actor, ref, comment)),
    withdraw: async (ref, comment) => view((await review()).withdrawException(deps, actor, ref, comment)),
    apply: async (ref, comment) => {
      const { applyException } = await import('./apply-exception.js');
      const { exception, superseded } = await applyException(deps, actor, ref, comment);
      const now = deps.clock.now();
      return {
        exception: exceptionView(exception, now),
        ...(superseded ? { superseded: exceptionView(superseded, now) } : {}),
      };
    },
    revoke: async (ref, comment, closure) =>
      view((await import('./revoke-exception.js')).revokeException(deps, actor, ref, comment, closure)),
    renew: async (ref, input) =>
      view((await import('./renew-exception.js')).renewException(deps, actor, ref, input)),
    batch: async (action, refs, comment) =>
      (await import('./batch-actions.js')).runBatch(deps, actor, action, refs, comment),
    requestBatch: async (inputs) =>
      (await import('./request-exception.js')).requestExceptions(deps, actor, inputs),
    escalate: async (ref, comment) => view((await review()).escalateException(deps, actor, ref, comment)),
    get: async (ref) => (await lists()).getException(deps, actor, ref),
    list: async (filter) => (await lists()).listExceptions(deps, actor, filter),
    listPage: async (filter, page) => (await lists()).listExceptionPage(deps, actor, filter, page),
    describe: async (ref) => (await lists()).describeException(deps, actor, ref),
    audit: async (ref, filter) => (await audit()).listAudit(deps, actor, ref, filter),
    auditPage: async (ref, filter, page) => (await audit()).listAuditPage(deps, actor, ref, filter, page),
    verifyAudit: async () => (await audit()).verifyAudit(deps, actor),
    report: async (input) => (await import('./audit-report.js')).auditReport(deps, actor, input),
    exportOscal: async (input) => (await import('./export-oscal.js')).exportOscal(deps, actor, input),
    auditHead: async () => (await import('./audit-checkpoint.js')).auditHead(deps, actor),
    review: async (options) => (await import('./review-queue.js')).listReviewQueue(deps, actor, options),
    me: () => Promise.resolve({ name: actor.name, roles: [...actor.roles] }),
    settings: () => {
      authorize(actor, 'read');
      return Promise.resolve(deps.settings);
    },
    targets: async () => (await import('./list-targets.js')).listTargets(deps, actor),
    policies: async (target) => (await import('./list-policies.js')).listPolicies(deps, actor, target),
    notifications: async (filter) =>
      (await import('./notification-outbox.js')).listNotifications(deps, actor, filter),
    retryNotifications: async (ids) =>
      (await import('./notification-outbox.js')).retryNotifications(deps, actor, ids),
    metrics: async (atMs) => (await import('./report-metrics.js')).reportMetrics(deps, actor, atMs),
    render: async (ref, apiVersion) =>
      (await import('./render-exception.js')).renderException(deps, actor, ref, apiVersion),
    evidence: async (ref, reportsFrom) =>
      (await import('./exception-evidence.js')).exceptionEvidenceOf(deps, actor, ref, reportsFrom),
    evidenceAll: async (reportsFrom) =>
      (await import('./exception-evidence.js')).allEvidence(deps, actor, reportsFrom),
    violations: async (filter) => (await import('./list-violations.js')).listViolations(deps, actor, filter),
    draftFromViolation: async (ref) =>
      (await import('./draft-violation.js')).draftViolation(deps, actor, ref),
    covers: async (ref) => (await import('./exception-coverage.js')).exceptionCoverage(deps, actor, ref),
    previewCovers: async (input) =>
      (await import('./exception-coverage.js')).previewCoverage(deps, actor, input),
    sweep: async (atMs, scope) => (await import('./sweep.js')).sweep(deps, actor, atMs, scope),
    lint: async (sources) => {
      authorize(actor, 'read');
      if (deps.linter) return deps.linter.lint(sources, deps.clock.now());
      return (await import('./lint-manifests.js')).lintManifests(deps, sources);
    },
    reconcile: async (target) =>
      (await import('./reconcile.js')).reconcile(deps, actor, undefined, { target }),
    unmanaged: async (target) => (await import('./reconcile.js')).listUnmanaged(deps, actor, { target }),
    import: async (options) =>
      (await import('./import-exceptions.js')).importExceptions(deps, actor, options),
    doctor: async (target) => (await import('./check-cluster.js')).checkCluster(deps, actor, { target }),
    createToken: async (input) => (await tokens()).createToken(deps, actor, input),
    listTokens: async () => (await tokens()).listTokens(deps, actor),
    revokeToken: async (id) => (await tokens()).revokeToken(deps, actor, id),
    close: () => deps.store.close(),
  };
}
