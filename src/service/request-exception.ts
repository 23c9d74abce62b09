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
import { newRequest } from '../domain/new-request.js';
import { toRfc3339, wholeSeconds } from '../domain/time.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import { RequestInputSchema, type RequestInput } from './inputs.js';
import type { StoreWriter } from './ports/store.js';
import { recordEvent } from './record-event.js';
import { targetNamed } from './targets.js';
import { parseInput } from '../domain/parse-input.js';

/** Request → the first step: a pending exception with its justification, checked by every guardrail. */
export async function requestException(
  deps: ServiceDeps,
  actor: Actor,
  raw: RequestInput,
): Promise<ExceptionRecord> {
  authorize(actor, 'request');
  const input = parseInput(RequestInputSchema, raw);
  const nowMs = wholeSeconds(deps.clock.now());
  const { scope, justification, apiVersion } = draftRequest(input, deps.settings, nowMs);
  const target = targetNamed(deps, input.target ?? deps.targets.defaultName).name;
  return createRequest(deps, actor, nowMs, scope, justification, { apiVersion, target });
}

interface RequestOptions {
  apiVersion: ExceptionRecord['apiVersion'];
  /** A renewal stays on its exception's target. */
  target: string;
  renewing?: ExceptionRecord;
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
  const { renewing } = options;
  const issues = checkRequest({
    scope,
    justification,
    nowMs,
    settings: deps.settings,
    apiVersion: options.apiVersion,
    ...(renewing ? { renewing } : {}),
  });
  if (issues.length > 0) throw WaiverError.fromIssues('guardrail', issues);
  await checkAgainstCluster(deps, options.target, scope);
  const { record, event } = newRequest({
    scope,
    justification,
    requestor: actor.name,
    now: toRfc3339(nowMs),
    apiVersion: options.apiVersion,
    target: options.target,
    ...(renewing ? { renewing } : {}),
  });
  return deps.store.transaction(async (tx) => {
    await ensureNameIsFree(tx, scope.name, renewing);
    const saved = await tx.insertException(record);
    await recordEvent(
      deps,
      tx,
      { at: record.requestedAt, actor: actor.name, ...event, exceptionId: saved.id },
      { record: saved },
    );
    return saved;
  });
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
