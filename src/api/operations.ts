import { reportHtml, reportMarkdown } from '../domain/audit-report.js';
import type { RevokeClosure } from '../domain/controls.js';
import { auditCells, auditHeader, auditJsonLine, csvLine } from '../domain/audit-export.js';
import type { AuditEvent } from '../domain/audit.js';
import type { AuditAction } from '../domain/lifecycle.js';
import type { AuditFilter, AuditPage } from '../service/audit-trail.js';
import { WaiverError } from '../domain/errors.js';
import type { ApiToken } from '../domain/api-token.js';
import type { UnmanagedException } from '../service/reconcile.js';
import { listFilterText, parseListFilter } from './list-filter.js';
import { operation, type Operation, type OperationName, type Result } from './operation.js';
import { pageJson } from './page-json.js';
import { MAX_PAGE_BYTES, pages } from './paging.js';
import {
  AuditQuerySchema,
  BatchBodySchema,
  CommentSchema,
  RevokeBodySchema,
  OscalQuerySchema,
  ReportQuerySchema,
  ImportBodySchema,
  TargetScopeSchema,
  PoliciesQuerySchema,
  LintBodySchema,
  ListQuerySchema,
  ManifestQuerySchema,
  MetricsQuerySchema,
  RenewInputSchema,
  NotificationsQuerySchema,
  RetryBodySchema,
  ReviewQuerySchema,
  RequestInputSchema,
  TokenInputSchema,
  ViolationsQuerySchema,
  DraftQuerySchema,
  EvidenceQuerySchema,
} from './request-schemas.js';
import {
  ActionResultSchema,
  CoverageReportSchema,
  EvidenceListSchema,
  ExceptionEvidenceSchema,
  AuditHeadSchema,
  AuditPageSchema,
  BatchReportSchema,
  CreatedTokenSchema,
  DoctorReportSchema,
  ExceptionDetailSchema,
  ExceptionPageSchema,
  ExceptionViewSchema,
  ImportReportSchema,
  LintReportSchema,
  MetricsSchema,
  AuditReportSchema,
  ProcessSettingsSchema,
  TargetListSchema,
  PolicyCatalogSchema,
  ActorSchema,
  NotificationListSchema,
  RetryReportSchema,
  ReconcileReportSchema,
  ReviewQueueSchema,
  SweepReportSchema,
  TokenListSchema,
  UnmanagedListSchema,
  VerifyResultSchema,
  ViolationListSchema,
  ViolationDraftSchema,
} from './response-schemas.js';

const EXCEPTION = '/api/v1/exceptions/{id}';
/** Events a streamed export reads at a time: memory stays flat however long the trail. */
const STREAM_PAGE = 1000;

const auditFilter = (query: {
  action?: AuditAction | undefined;
  actor?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}): AuditFilter => ({
  action: query.action,
  actor: query.actor,
  sinceMs: query.since === undefined ? undefined : Date.parse(query.since),
  untilMs: query.until === undefined ? undefined : Date.parse(query.until),
});

type NextPage = (after: number | undefined) => Promise<AuditPage>;

/** Every page from the first on, one event at a time. */
async function* eventsFrom(first: AuditPage, next: NextPage): AsyncGenerator<AuditEvent> {
  for await (const page of pages(next, first)) yield* page.items;
}

async function* jsonlStream(first: AuditPage, next: NextPage): AsyncGenerator<string> {
  for await (const event of eventsFrom(first, next)) yield auditJsonLine(event);
}

async function* csvStream(first: AuditPage, next: NextPage): AsyncGenerator<string> {
  yield csvLine(auditHeader);
  for await (const event of eventsFrom(first, next)) yield csvLine(auditCells(event));
}
const instant = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();
async function* oneChunk(text: string): AsyncGenerator<string> {
  yield await Promise.resolve(text);
}
const itemsOf = <T>(body: unknown): T[] => (body as { items: T[] }).items;
const acted = {
  status: 200,
  description: 'the exception after the action',
  schema: ActionResultSchema,
} as const;

/** The lifecycle actions that take an optional comment (required by reject and escalate). */
const lifecycle = <N extends 'approve' | 'reject' | 'withdraw' | 'apply' | 'escalate'>(
  name: N,
  summary: string,
) =>
  operation({
    name,
    method: 'POST',
    path: `${EXCEPTION}/${name}`,
    summary,
    body: CommentSchema,
    success: acted,
    invoke: (waiver, { id, body }) => waiver[name](id, body.comment) as Promise<Result<N>>,
    encode: (ref: string, comment?: string) => ({ id: ref, body: { comment } }),
  });

/**
 * The HTTP API, one declaration per operation. Routes (src/server/routes.ts), the OpenAPI document
 * (src/server/openapi.ts) and the remote client (src/cli/remote-waiver.ts) are derived from this table;
 * its type requires an operation for every method of `Waiver`.
 */
export const operations: { [N in OperationName]: Operation<N, never, never> } = {
  listPage: operation({
    name: 'listPage',
    method: 'GET',
    path: '/api/v1/exceptions',
    summary: 'List exceptions (one page, in id order)',
    query: ListQuerySchema,
    success: { status: 200, description: 'one page', schema: ExceptionPageSchema },
    large: true,
    invoke: (waiver, { query }) =>
      waiver.listPage(parseListFilter(query), {
        limit: query.limit,
        after: query.continue === undefined ? undefined : Number(query.continue),
        maxBytes: MAX_PAGE_BYTES,
      }),
    // Listed views are frozen and shared: each is serialised once, not on every request.
    respond: (page) => ({ type: 'application/json; charset=utf-8', text: pageJson(page) }),
    encode: (filter, page) => ({
      query: { ...listFilterText(filter), limit: page.limit, continue: page.after },
    }),
  }),
  request: operation({
    name: 'request',
    method: 'POST',
    path: '/api/v1/exceptions',
    summary: 'Request an exception (requester)',
    body: RequestInputSchema,
    success: { status: 201, description: 'the new, pending exception', schema: ActionResultSchema },
    invoke: (waiver, { body }) => waiver.request(body),
    location: (result) => `/api/v1/exceptions/${result.exception.id}`,
    encode: (input) => ({ body: input }),
  }),
  get: operation({
    name: 'get',
    method: 'GET',
    path: EXCEPTION,
    summary: 'One exception',
    success: { status: 200, description: 'the exception', schema: ExceptionViewSchema },
    invoke: (waiver, { id }) => waiver.get(id),
    encode: (ref) => ({ id: ref }),
  }),
  describe: operation({
    name: 'describe',
    method: 'GET',
    path: `${EXCEPTION}/history`,
    summary: 'One exception with its audit timeline',
    success: { status: 200, description: 'the exception and its events', schema: ExceptionDetailSchema },
    invoke: (waiver, { id }) => waiver.describe(id),
    encode: (ref) => ({ id: ref }),
  }),
  render: operation({
    name: 'render',
    method: 'GET',
    path: `${EXCEPTION}/manifest`,
    summary: 'The rendered PolicyException',
    query: ManifestQuerySchema,
    success: { status: 200, description: 'the manifest as YAML', text: ['application/yaml'] },
    invoke: (waiver, { id, query }) => waiver.render(id, query.apiVersion),
    respond: (yaml) => ({ type: 'application/yaml; charset=utf-8', text: yaml }),
    encode: (ref, apiVersion) => ({ id: ref, query: { apiVersion } }),
    decode: (body) => String(body),
  }),
  covers: operation({
    name: 'covers',
    method: 'GET',
    path: `${EXCEPTION}/covers`,
    summary: "What an exception lets through in the cluster now, matched as Kyverno's engine matches",
    success: { status: 200, description: 'the resources it covers, or may', schema: CoverageReportSchema },
    invoke: (waiver, { id }) => waiver.covers(id),
    encode: (ref) => ({ id: ref }),
  }),
  evidence: operation({
    name: 'evidence',
    method: 'GET',
    path: `${EXCEPTION}/evidence`,
    summary:
      "What Kyverno's policy reports prove about an exception: exempted resources, unused, outliving, failing",
    query: EvidenceQuerySchema,
    success: { status: 200, description: 'the evidence and its flags', schema: ExceptionEvidenceSchema },
    invoke: (waiver, { id, query }) => waiver.evidence(id, query.reportsFrom),
    encode: (ref, reportsFrom) => ({ id: ref, query: { reportsFrom } }),
  }),
  evidenceAll: operation({
    name: 'evidenceAll',
    method: 'GET',
    path: '/api/v1/evidence',
    summary:
      'The same for every exception in effect and those ended in the last 30 days, flagged first (those on Git and folder targets with reportsFrom)',
    query: EvidenceQuerySchema,
    success: { status: 200, description: 'one entry per exception', schema: EvidenceListSchema },
    large: true,
    invoke: (waiver, { query }) => waiver.evidenceAll(query.reportsFrom),
    encode: (reportsFrom) => ({ query: { reportsFrom } }),
  }),
  violations: operation({
    name: 'violations',
    method: 'GET',
    path: '/api/v1/violations',
    summary:
      "The fail and error results of the clusters' policy reports (both API groups), by resource and policy, each with its owner and whether an exception in effect covers it",
    query: ViolationsQuerySchema,
    success: { status: 200, description: 'one entry per resource and policy', schema: ViolationListSchema },
    large: true,
    invoke: (waiver, { query }) => waiver.violations(query),
    encode: (filter) => ({ query: { ...filter } }),
  }),
  draftFromViolation: operation({
    name: 'draftFromViolation',
    method: 'GET',
    path: '/api/v1/violations/draft',
    summary:
      "The narrowest request that lets a failing resource through: its namespace, its name (or its ReplicaSet's pods, or its controller), only the failing rules (requester)",
    query: DraftQuerySchema,
    success: {
      status: 200,
      description: 'the draft, with the violation it came from',
      schema: ViolationDraftSchema,
    },
    invoke: (waiver, { query }) =>
      waiver.draftFromViolation({
        resource: query.resource,
        policy: query.policy,
        rules: query.rules
          ?.split(',')
          .map((r) => r.trim())
          .filter(Boolean),
        target: query.target,
      }),
    encode: (ref) => ({
      query: {
        resource: ref.resource,
        policy: ref.policy,
        rules: ref.rules?.length ? ref.rules.join(',') : undefined,
        target: ref.target,
      },
    }),
  }),
  previewCovers: operation({
    name: 'previewCovers',
    method: 'POST',
    path: '/api/v1/covers',
    summary: 'What a request would let through, before it is filed (requester)',
    body: RequestInputSchema,
    success: {
      status: 200,
      description: 'the resources it would cover, or may',
      schema: CoverageReportSchema,
    },
    invoke: (waiver, { body }) => waiver.previewCovers(body),
    encode: (input) => ({ body: input }),
  }),
  approve: lifecycle('approve', 'Approve (approver; never your own request)'),
  reject: lifecycle('reject', 'Reject with a comment (approver)'),
  withdraw: lifecycle('withdraw', 'Withdraw (the requestor)'),
  apply: lifecycle('apply', 'Apply to the target (applier); a renewal supersedes its predecessor'),
  revoke: operation({
    name: 'revoke',
    method: 'POST',
    path: `${EXCEPTION}/revoke`,
    summary: 'Revoke an active exception; `closure` says why it ends (default revoked)',
    body: RevokeBodySchema,
    success: acted,
    invoke: (waiver, { id, body }) => waiver.revoke(id, body.comment, body.closure),
    encode: (ref: string, comment?: string, closure?: RevokeClosure) => ({
      id: ref,
      body: { comment, closure },
    }),
  }),
  escalate: lifecycle('escalate', 'Escalate to a policy change (a comment says why)'),
  batch: operation({
    name: 'batch',
    method: 'POST',
    path: '/api/v1/exceptions:batch',
    summary:
      'Approve, reject or apply many exceptions (each checked and audited on its own, committed together), or request many (all created or none)',
    body: BatchBodySchema,
    success: {
      status: 200,
      description:
        'one item per id; a refused id (ok: false) never blocks the rest. A refused request refuses the batch (4xx naming requests.<i>.<field>)',
      schema: BatchReportSchema,
    },
    invoke: (waiver, { body }) =>
      body.action === 'request'
        ? waiver.requestBatch(body.requests)
        : waiver.batch(body.action, body.ids, body.comment),
    encode: (action, refs, comment) => ({ body: { action, ids: refs, comment } }),
  }),
  renew: operation({
    name: 'renew',
    method: 'POST',
    path: `${EXCEPTION}/renew`,
    summary: 'Request a renewal: new justification, fresh approval',
    body: RenewInputSchema,
    success: { status: 201, description: 'the renewal, pending', schema: ActionResultSchema },
    invoke: (waiver, { id, body }) => waiver.renew(id, body),
    location: (result) => `/api/v1/exceptions/${result.exception.id}`,
    encode: (ref, input) => ({ id: ref, body: input }),
  }),
  auditPage: operation({
    name: 'auditPage',
    method: 'GET',
    path: '/api/v1/audit',
    summary: 'The audit trail: json pages (limit, continue); jsonl and csv stream every page',
    query: AuditQuerySchema,
    success: {
      status: 200,
      description: 'events, oldest first',
      schema: AuditPageSchema,
      text: ['application/jsonl', 'text/csv'],
    },
    large: true,
    invoke: (waiver, { query }) =>
      waiver.auditPage(query.exception, auditFilter(query), {
        limit: query.limit,
        after: query.continue === undefined ? undefined : Number(query.continue),
        ...(query.format === 'json' ? { maxBytes: MAX_PAGE_BYTES } : {}),
      }),
    respond: (first, { query, waiver }) => {
      if (query.format === 'json') return undefined;
      const rest = (after: number | undefined) =>
        waiver.auditPage(query.exception, auditFilter(query), { limit: STREAM_PAGE, after });
      const lines = query.format === 'csv' ? csvStream(first, rest) : jsonlStream(first, rest);
      return {
        type: query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/jsonl; charset=utf-8',
        text: lines,
      };
    },
    encode: (ref, filter, page) => ({
      query: {
        exception: ref,
        action: filter.action,
        actor: filter.actor,
        since: instant(filter.sinceMs),
        until: instant(filter.untilMs),
        limit: page.limit,
        continue: page.after,
      },
    }),
  }),
  report: operation({
    name: 'report',
    method: 'GET',
    path: '/api/v1/report',
    summary:
      'The audit report of a period: opened and closed by category and policy, closures, renewals, separation of duties, the metrics, the trail verified',
    query: ReportQuerySchema,
    success: {
      status: 200,
      description: 'the report',
      schema: AuditReportSchema,
      text: ['text/html', 'text/markdown'],
    },
    invoke: (waiver, { query }) => waiver.report({ from: query.from, to: query.to }),
    respond: (report, { query }) => {
      if (query.format === 'json') return undefined;
      return query.format === 'html'
        ? { type: 'text/html; charset=utf-8', text: reportHtml(report) }
        : { type: 'text/markdown; charset=utf-8', text: reportMarkdown(report) };
    },
    encode: (input) => ({ query: { from: input.from, to: input.to } }),
  }),
  exportOscal: operation({
    name: 'exportOscal',
    method: 'GET',
    path: '/api/v1/export/oscal',
    summary:
      'An OSCAL 1.1 document of the exceptions in the period: a POA&M (one risk per exception) or assessment results (one finding each); streamed',
    query: OscalQuerySchema,
    success: { status: 200, description: 'the OSCAL document (JSON)', text: ['application/json'] },
    large: true,
    invoke: (waiver, { query }) => waiver.exportOscal(query),
    respond: (chunks) => ({ type: 'application/json; charset=utf-8', text: chunks }),
    encode: (input) => ({ query: { model: input.model, from: input.from, to: input.to } }),
    // The client reads the answer whole; a local export streams.
    decode: (body) => oneChunk(typeof body === 'string' ? body : JSON.stringify(body)),
  }),
  verifyAudit: operation({
    name: 'verifyAudit',
    method: 'GET',
    path: '/api/v1/audit/verify',
    summary:
      'Verify the audit hash chain and every exception and token row (409 audit_broken names the first broken link, or every row amiss in issues)',
    success: { status: 200, description: 'the chain is intact', schema: VerifyResultSchema },
    invoke: (waiver) => waiver.verifyAudit(),
    respond: (result) => ({
      type: 'application/json; charset=utf-8',
      text: JSON.stringify({ intact: true, ...result }),
    }),
    encode: () => ({}),
    decode: (body) => ({ events: (body as { events: number }).events }),
  }),
  auditHead: operation({
    name: 'auditHead',
    method: 'GET',
    path: '/api/v1/audit/head',
    summary: 'The newest event of the trail, to sign into a checkpoint kept outside the database',
    success: { status: 200, description: 'its number and hash', schema: AuditHeadSchema },
    invoke: (waiver) => waiver.auditHead(),
    encode: () => ({}),
  }),
  metrics: operation({
    name: 'metrics',
    method: 'GET',
    path: '/api/v1/metrics/summary',
    summary: 'The process metrics and their targets',
    query: MetricsQuerySchema,
    success: { status: 200, description: 'the metrics as of the instant', schema: MetricsSchema },
    invoke: (waiver, { query }) => waiver.metrics(query.at === undefined ? undefined : Date.parse(query.at)),
    encode: (atMs) => ({ query: { at: instant(atMs) } }),
  }),
  me: operation({
    name: 'me',
    method: 'GET',
    path: '/api/v1/me',
    summary: 'Who the caller is and which roles it holds (the web UI offers what they allow)',
    success: { status: 200, description: 'the caller', schema: ActorSchema },
    invoke: (waiver) => waiver.me(),
    encode: () => ({}),
  }),
  settings: operation({
    name: 'settings',
    method: 'GET',
    path: '/api/v1/settings',
    summary: "The process's rules as this server runs them (the web form checks a request with them)",
    success: { status: 200, description: 'the settings', schema: ProcessSettingsSchema },
    invoke: (waiver) => waiver.settings(),
    encode: () => ({}),
  }),
  targets: operation({
    name: 'targets',
    method: 'GET',
    path: '/api/v1/targets',
    summary: 'The configured targets: where a request may ask its exception to live',
    success: { status: 200, description: 'the targets', schema: TargetListSchema },
    invoke: (waiver) => waiver.targets(),
    encode: () => ({}),
  }),
  policies: operation({
    name: 'policies',
    method: 'GET',
    path: '/api/v1/policies',
    summary:
      "The policies and rules a request for a target may name: a cluster's own, else the configuration's",
    query: PoliciesQuerySchema,
    success: { status: 200, description: 'the policies with their rules', schema: PolicyCatalogSchema },
    invoke: (waiver, { query }) => waiver.policies(query.target),
    encode: (target) => ({ query: { target } }),
  }),
  review: operation({
    name: 'review',
    method: 'GET',
    path: '/api/v1/review',
    summary: 'What waits for the caller now: to approve, apply, decide, follow up or remove',
    query: ReviewQuerySchema,
    success: { status: 200, description: 'the queues of the roles of the caller', schema: ReviewQueueSchema },
    large: true,
    invoke: (waiver, { query }) => waiver.review({ all: query.all === 'true' }),
    encode: (options) => ({ query: { all: options?.all ? 'true' : undefined } }),
  }),
  notifications: operation({
    name: 'notifications',
    method: 'GET',
    path: '/api/v1/notifications',
    summary: 'The outbox, newest first: sent, pending (with the last error and the next try) and dead',
    query: NotificationsQuerySchema,
    success: { status: 200, description: 'the notifications and each try', schema: NotificationListSchema },
    large: true,
    invoke: (waiver, { query }) => waiver.notifications(query),
    encode: (filter) => ({ query: { state: filter?.state, limit: filter?.limit } }),
  }),
  retryNotifications: operation({
    name: 'retryNotifications',
    method: 'POST',
    path: '/api/v1/notifications:retry',
    summary: 'Try dead notifications again from their first attempt (applier)',
    body: RetryBodySchema,
    success: {
      status: 200,
      description: 'which were retried, and which were not dead',
      schema: RetryReportSchema,
    },
    invoke: (waiver, { body }) => waiver.retryNotifications(body.ids),
    encode: (ids) => ({ body: { ids } }),
  }),
  lint: operation({
    name: 'lint',
    method: 'POST',
    path: '/api/v1/lint',
    summary: 'Lint PolicyException manifests',
    body: LintBodySchema,
    success: { status: 200, description: 'the findings', schema: LintReportSchema },
    invoke: (waiver, { body }) => waiver.lint(body.sources),
    encode: (sources) => ({ body: { sources } }),
  }),
  sweep: operation({
    name: 'sweep',
    method: 'POST',
    path: '/api/v1/sweep',
    summary: "Run the periodic work once, as of the server's clock (applier)",
    body: TargetScopeSchema,
    success: { status: 200, description: 'what the sweep did', schema: SweepReportSchema },
    // The server's own clock: a client never chooses the instant the work is done as of.
    invoke: (waiver, { body }) =>
      waiver.sweep(undefined, body.target === undefined ? {} : { targets: [body.target] }),
    encode: (atMs, scope) => {
      if (atMs !== undefined)
        throw new WaiverError(
          'usage',
          'the server keeps its own clock: --now works in local mode only',
          'now',
        );
      const target = scope?.targets?.[0];
      return { body: target === undefined ? {} : { target } };
    },
  }),
  reconcile: operation({
    name: 'reconcile',
    method: 'POST',
    path: '/api/v1/reconcile',
    summary: 'Converge the cluster to the store once: drift, deletions, rogues (applier)',
    body: TargetScopeSchema,
    success: { status: 200, description: 'what changed', schema: ReconcileReportSchema },
    invoke: (waiver, { body }) => waiver.reconcile(body.target),
    encode: (target) => ({ body: target === undefined ? {} : { target } }),
  }),
  unmanaged: operation({
    name: 'unmanaged',
    method: 'GET',
    path: '/api/v1/unmanaged',
    summary: 'PolicyExceptions in the cluster that did not come through Waiver',
    query: TargetScopeSchema,
    success: { status: 200, description: 'the unmanaged exceptions', schema: UnmanagedListSchema },
    invoke: (waiver, { query }) => waiver.unmanaged(query.target),
    respond: (items) => ({ type: 'application/json; charset=utf-8', text: JSON.stringify({ items }) }),
    encode: (target) => ({ query: { target } }),
    decode: (body) => itemsOf<UnmanagedException>(body),
  }),
  import: operation({
    name: 'import',
    method: 'POST',
    path: '/api/v1/import',
    summary: 'Adopt unmanaged PolicyExceptions (applier)',
    body: ImportBodySchema,
    success: { status: 200, description: 'what was (or would be) imported', schema: ImportReportSchema },
    invoke: (waiver, { body }) =>
      waiver.import({ dryRun: body.dryRun, ...(body.target === undefined ? {} : { target: body.target }) }),
    encode: (options) => ({ body: options }),
  }),
  doctor: operation({
    name: 'doctor',
    method: 'GET',
    path: '/api/v1/doctor',
    summary: "Check the server's cluster: Kyverno, CRD, namespace, policies, RBAC",
    query: TargetScopeSchema,
    success: { status: 200, description: 'every check and its finding', schema: DoctorReportSchema },
    invoke: (waiver, { query }) => waiver.doctor(query.target),
    encode: (target) => ({ query: { target } }),
  }),
  listTokens: operation({
    name: 'listTokens',
    method: 'GET',
    path: '/api/v1/tokens',
    summary: 'List API tokens, never their secrets (admin)',
    success: { status: 200, description: 'the tokens', schema: TokenListSchema },
    invoke: (waiver) => waiver.listTokens(),
    respond: (items) => ({ type: 'application/json; charset=utf-8', text: JSON.stringify({ items }) }),
    encode: () => ({}),
    decode: (body) => itemsOf<ApiToken>(body),
  }),
  createToken: operation({
    name: 'createToken',
    method: 'POST',
    path: '/api/v1/tokens',
    summary: 'Create an API token (admin); the secret is shown once',
    body: TokenInputSchema,
    success: { status: 201, description: 'the token and its secret', schema: CreatedTokenSchema },
    invoke: (waiver, { body }) => waiver.createToken(body),
    location: (created) => `/api/v1/tokens/${created.token.id}`,
    encode: (input) => ({ body: input }),
  }),
  revokeToken: operation({
    name: 'revokeToken',
    method: 'DELETE',
    path: '/api/v1/tokens/{id}',
    summary: 'Revoke an API token at once (admin)',
    success: { status: 204, description: 'revoked' },
    invoke: (waiver, { id }) => waiver.revokeToken(id),
    encode: (tokenId) => ({ id: tokenId }),
    decode: () => undefined,
  }),
};

export const operationList: readonly Operation<OperationName, never, never>[] = Object.values(operations);
