import { compareWithDraft, draftedExemptions, type RequestOrigin } from '../domain/violation-draft.js';
import { podSecurityRuleIssues, type Exemptions, type RuleOfPolicy } from '../domain/exemptions.js';
import { controlsFor } from '../domain/controls.js';
import { draftRequest } from '../domain/draft-request.js';
import { messageOf, WaiverError } from '../domain/errors.js';
import {
  formatId,
  isLive,
  type ExceptionRecord,
  type ExceptionScope,
  type Justification,
} from '../domain/exception.js';
import { checkRequest } from '../domain/guardrails.js';
import { newRequest, type NewRequest } from '../domain/new-request.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { RequestInputSchema, type RequestInput } from './inputs.js';
import type { StoreWriter } from './ports/store.js';
import { recordEvent } from './record-event.js';
import { targetNamed } from './targets.js';
import { parseInput } from '../domain/parse-input.js';
import { exceptionView } from '../domain/view.js';
import { MAX_BATCH, type BatchReport } from './batch-actions.js';

/** Request → the first step: a pending exception with its justification, checked by every guardrail. */
export async function requestException(
  deps: ServiceDeps,
  actor: Actor,
  raw: RequestInput,
): Promise<ExceptionRecord> {
  authorize(actor, 'request');
  const input = parseInput(RequestInputSchema, raw);
  const nowMs = wholeSeconds(deps.clock.now());
  const { scope, justification, apiVersion, exemptions } = draftRequest(input, deps.settings, nowMs);
  const target = targetNamed(deps, input.target ?? deps.targets.defaultName).name;
  const origin = await originOf(deps, actor, input, scope, exemptions, target);
  return createRequest(deps, actor, nowMs, scope, justification, {
    apiVersion,
    target,
    exemptions,
    ...(origin ? { origin } : {}),
  });
}

/**
 * A request drafted from a violation: the draft is made again from the reports as they are now (the
 * caller's copy is not trusted), and what the filed scope adds to it is recorded for the reviewer.
 */
async function originOf(
  deps: ServiceDeps,
  actor: Actor,
  input: RequestInput,
  scope: ExceptionScope,
  exemptions: Exemptions,
  target: string,
): Promise<RequestOrigin | undefined> {
  if (!input.fromViolation) return undefined;
  if (!input.policy)
    throw new WaiverError('usage', 'a request from a violation names the policy it fails', 'policy');
  const { draftViolation } = await import('./draft-violation.js');
  const draft = await draftViolation(deps, actor, {
    resource: input.fromViolation.resource,
    policy: input.policy,
    rules: input.fromViolation.rules,
    target: input.fromViolation.cluster ?? target,
  });
  const { name: _name, ...filed } = scope;
  return {
    draft,
    ...compareWithDraft({ ...filed, ...exemptions }, { ...draft.scope, ...draftedExemptions(draft) }),
  };
}

interface RequestOptions {
  apiVersion: ExceptionRecord['apiVersion'];
  /** The violation it was drafted from. */
  origin?: RequestOrigin;
  /** A renewal stays on its exception's target. */
  target: string;
  /** What it exempts inside its scope; a renewal keeps its exception's. */
  exemptions: Exemptions;
  renewing?: ExceptionRecord;
}

/** A request checked and drafted, ready to be saved: everything but the name's uniqueness is known. */
interface Draft extends NewRequest {
  renewing: ExceptionRecord | undefined;
  origin: RequestOrigin | undefined;
}

/** Shared by request and renew: guardrails, then one transaction that inserts the record and its audit event. */
export async function createRequest(
  deps: ServiceDeps,
  actor: Actor,
  nowMs: number,
  scope: ExceptionScope,
  justification: Justification,
  options: RequestOptions,
): Promise<ExceptionRecord> {
  const draft = await checkDraft(deps, actor, nowMs, scope, justification, options);
  return deps.store.transaction((tx) => save(deps, tx, actor, draft));
}

/**
 * Several requests, all or none: each is validated and checked by every guardrail first, then all are
 * saved in one transaction. A refusal names the request by its place (`requests.2.policy`, "request 3
 * of 5"), and nothing is created.
 */
export async function requestExceptions(
  deps: ServiceDeps,
  actor: Actor,
  raws: readonly RequestInput[],
): Promise<BatchReport> {
  authorize(actor, 'request');
  if (raws.length === 0) throw new WaiverError('usage', 'give at least one request', 'requests');
  if (raws.length > MAX_BATCH)
    throw new WaiverError(
      'usage',
      `at most ${MAX_BATCH} requests in one batch, not ${raws.length}`,
      'requests',
    );
  const nowMs = wholeSeconds(deps.clock.now());
  const drafts: Draft[] = [];
  for (const [i, raw] of raws.entries())
    drafts.push(
      await inRequest(i, raws.length, async () => {
        const input = parseInput(RequestInputSchema, raw);
        const { scope, justification, apiVersion, exemptions } = draftRequest(input, deps.settings, nowMs);
        const target = targetNamed(deps, input.target ?? deps.targets.defaultName).name;
        const origin = await originOf(deps, actor, input, scope, exemptions, target);
        return checkDraft(deps, actor, nowMs, scope, justification, {
          apiVersion,
          target,
          exemptions,
          ...(origin ? { origin } : {}),
        });
      }),
    );
  const saved = await deps.store.transaction(async (tx) => {
    const records: ExceptionRecord[] = [];
    for (const [i, draft] of drafts.entries())
      records.push(await inRequest(i, drafts.length, () => save(deps, tx, actor, draft)));
    return records;
  });
  const now = deps.clock.now();
  return {
    action: 'request',
    items: saved.map((r) => ({ ref: r.name, ok: true, exception: exceptionView(r, now) })),
  };
}

/** A refusal of one request of several, renamed to say which: the field is `requests.<i>.<field>`. */
async function inRequest<T>(index: number, count: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (!(e instanceof WaiverError)) throw e;
    const at = (field: string | undefined): string => `requests.${index}${field ? `.${field}` : ''}`;
    throw new WaiverError(
      e.code,
      `request ${index + 1} of ${count}: ${e.message}`,
      at(e.field),
      e.issues.map((issue) => ({ ...issue, field: at(issue.field) })),
      { cause: e },
    );
  }
}

async function checkDraft(
  deps: ServiceDeps,
  actor: Actor,
  nowMs: number,
  scope: ExceptionScope,
  justification: Justification,
  options: RequestOptions,
): Promise<Draft> {
  const { renewing } = options;
  const issues = checkRequest({
    scope,
    justification,
    nowMs,
    settings: deps.settings,
    apiVersion: options.apiVersion,
    exemptions: options.exemptions,
    ...(renewing ? { renewing } : {}),
  });
  if (issues.length > 0) throw WaiverError.fromIssues('guardrail', issues);
  await checkAgainstCluster(deps, options.target, scope);
  await checkPodSecurityRules(deps, options.target, scope, options.exemptions);
  const { record, event } = newRequest({
    scope,
    justification,
    requestor: actor.name,
    now: toRfc3339(nowMs),
    apiVersion: options.apiVersion,
    target: options.target,
    ...(renewing ? { renewing } : {}),
    controls: controlsFor(deps.settings.controls, scope.policy),
    exemptions: options.exemptions,
  });
  return { record, event, renewing, origin: options.origin };
}

/** Inside the transaction: the name is still free, the record and its audit event are written. */
async function save(
  deps: ServiceDeps,
  tx: StoreWriter,
  actor: Actor,
  { record, event, renewing, origin }: Draft,
): Promise<ExceptionRecord> {
  await ensureNameIsFree(tx, record.name, renewing);
  const saved = await tx.insertException(record);
  if (origin) await tx.saveRequestOrigin(saved.id, JSON.stringify(origin));
  // The trail says where it came from and what it widened: the hash chain holds the reviewer's evidence.
  const data = origin
    ? {
        ...event.data,
        fromViolation: origin.draft.from.resource,
        ...(origin.widened.length ? { widened: origin.widened } : {}),
      }
    : event.data;
  await recordEvent(
    deps,
    tx,
    { at: record.requestedAt, actor: actor.name, ...event, data, exceptionId: saved.id },
    { record: saved },
  );
  return saved;
}

/** Names are unique among live exceptions; a renewal shares its predecessor's name so one write replaces it. */
async function ensureNameIsFree(
  tx: StoreWriter,
  name: string,
  renewing: ExceptionRecord | undefined,
): Promise<void> {
  const holders = (await tx.findByName(name)).filter((r) => isLive(r) && r.id !== renewing?.id);
  const holder = holders[0];
  if (holder === undefined) return;
  const message =
    renewing && holder.renewalOf === renewing.id
      ? `${formatId(renewing.id)} already has an open renewal, ${formatId(holder.id)}`
      : `the name "${name}" is taken by ${formatId(holder.id)} (${holder.state})`;
  throw new WaiverError('conflict', message, renewing ? 'renewalOf' : 'name');
}

/** On a cluster target, a request for a policy, rule or namespace that cluster does not have is refused. */
async function checkAgainstCluster(deps: ServiceDeps, target: string, scope: ExceptionScope): Promise<void> {
  const catalog = deps.targets.get(target)?.cluster?.catalog;
  if (!catalog) return;
  let issues;
  try {
    issues = await catalog.checkScope(scope);
  } catch (e) {
    throw new WaiverError(
      'target',
      `cannot check the request against target ${target}: ${messageOf(e)}`,
      'target',
    );
  }
  if (issues.length > 0) throw WaiverError.fromIssues('guardrail', issues);
}

/**
 * On a cluster target, `podSecurity` entries against the rules they narrow: only podSecurity rules, and
 * only controls the rule's level checks. A policy the cluster lacks is refused by the catalog before.
 */
async function checkPodSecurityRules(
  deps: ServiceDeps,
  target: string,
  scope: ExceptionScope,
  exemptions: Exemptions,
): Promise<void> {
  const inventory = deps.targets.get(target)?.cluster?.inventory;
  if (!inventory || !exemptions.podSecurity.length) return;
  let policy;
  try {
    policy = await inventory.policy(scope.policy);
  } catch (e) {
    throw new WaiverError(
      'target',
      `cannot read policy ${scope.policy} on target ${target}: ${messageOf(e)}`,
      'target',
    );
  }
  const spec = policy?.['spec'];
  const rules =
    (typeof spec === 'object' && spec !== null ? (spec as { rules?: unknown }).rules : undefined) ?? [];
  const issues = podSecurityRuleIssues(
    exemptions.podSecurity,
    scope.rules,
    (Array.isArray(rules) ? rules : []).flatMap((r: unknown) => {
      const rule =
        typeof r === 'object' && r !== null
          ? (r as { name?: unknown; validate?: { podSecurity?: RuleOfPolicy['podSecurity'] } })
          : undefined;
      return typeof rule?.name === 'string'
        ? [{ name: rule.name, podSecurity: rule.validate?.podSecurity }]
        : [];
    }),
  );
  if (issues.length > 0) throw WaiverError.fromIssues('guardrail', issues);
}
