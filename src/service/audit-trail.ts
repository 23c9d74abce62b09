import {
  chainWalk,
  checkRow,
  missingRow,
  noLatestEvents,
  noteLatest,
  tokenLabel,
  type AuditEvent,
  type ChainBreak,
  type RecordMismatch,
} from '../domain/audit.js';
import { formatId } from '../domain/exception.js';
import { redactCredentials, redactEvent } from '../domain/redact.js';
import { Buffer } from 'node:buffer';
import { byteBudget, type PageRequest } from './page-budget.js';
import type { AuditAction } from '../domain/lifecycle.js';
import { WaiverError } from '../domain/errors.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { AuditQuery, StoreReader } from './ports/store.js';
import { resolveException } from './resolve.js';
import { toRfc3339 } from '../domain/time.js';

/** Which events: by action (narrowed in the database), by who acted, and from (inclusive) until (exclusive). */
export interface AuditFilter {
  action?: AuditAction | undefined;
  actor?: string | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
}

/** A page of the trail: `continue` is the `after` of the next page, absent on the last. */
export interface AuditPage {
  items: AuditEvent[];
  continue?: string;
}

/** The trail, of one exception or all, in chain order, filtered in the database. */
export async function listAudit(
  deps: ServiceDeps,
  actor: Actor,
  exceptionRef?: string,
  filter: AuditFilter = {},
): Promise<AuditEvent[]> {
  authorize(actor, 'read');
  const redact = deps.redact ?? redactCredentials;
  return (await deps.store.listAudit(await auditQuery(deps, exceptionRef, filter))).map((e) =>
    redactEvent(e, redact),
  );
}

/** One page of the trail, `limit` events after the event numbered `after`: flat memory at any length. */
export async function listAuditPage(
  deps: ServiceDeps,
  actor: Actor,
  exceptionRef: string | undefined,
  filter: AuditFilter,
  page: PageRequest,
): Promise<AuditPage> {
  authorize(actor, 'read');
  const query = await auditQuery(deps, exceptionRef, filter);
  const items = await deps.store.listAudit({
    ...query,
    ...(page.after === undefined ? {} : { afterSeq: page.after }),
    limit: page.limit + 1,
  });
  // What older events hold from a target's reply is masked as it is served; the chain is never rewritten.
  const redact = deps.redact ?? redactCredentials;
  const redacted = items.map((e) => redactEvent(e, redact));
  const budget = byteBudget(page.maxBytes, (event: AuditEvent) => Buffer.byteLength(JSON.stringify(event)));
  const fitting = redacted.findIndex((event, i) => i === page.limit || !budget.fits(event));
  const shown = fitting < 0 ? redacted : redacted.slice(0, fitting);
  const last = shown.at(-1);
  return fitting >= 0 && last ? { items: shown, continue: String(last.seq) } : { items: shown };
}

async function auditQuery(
  deps: ServiceDeps,
  exceptionRef: string | undefined,
  filter: AuditFilter,
): Promise<AuditQuery> {
  const exceptionId =
    exceptionRef === undefined ? undefined : (await resolveException(deps.store, exceptionRef)).id;
  const instant = (ms: number) => toRfc3339(Math.ceil(ms / 1000) * 1000);
  return {
    ...(exceptionId === undefined ? {} : { exceptionId }),
    ...(filter.action === undefined ? {} : { action: filter.action }),
    ...(filter.actor === undefined ? {} : { actor: filter.actor }),
    ...(filter.sinceMs === undefined ? {} : { since: instant(filter.sinceMs) }),
    ...(filter.untilMs === undefined ? {} : { until: instant(filter.untilMs) }),
  };
}

export interface VerifyResult {
  events: number;
}

/**
 * Events and rows a verification reads at a time: memory stays flat however long the trail. Small
 * pages die young (a larger page outlives the young generation, and its garbage piles up in the old).
 */
const VERIFY_PAGE = 250;
/** A row changed while it was being checked is checked again against the trail's new end, this often. */
const RECHECKS = 3;

/** What a walk over the trail and the rows found: how many events, the first broken link, every row amiss. */
export interface TrailCheck {
  events: number;
  broken?: ChainBreak;
  /** Present only when some row does not match: each exception and token row the trail does not account for. */
  mismatches?: RecordMismatch[];
}

/**
 * Recomputes the hash chain and checks every exception and token row against it. A broken link is the
 * error; otherwise every row amiss is named, one issue each.
 */
export async function verifyAudit(deps: ServiceDeps, actor: Actor): Promise<VerifyResult> {
  authorize(actor, 'read');
  const { events, broken, mismatches } = await checkTrail(deps.store);
  if (broken)
    throw new WaiverError(
      'audit_broken',
      `audit chain broken at event #${broken.seq}: ${broken.reason}`,
      'audit',
    );
  if (mismatches) {
    const line = (m: RecordMismatch) => `${m.record} does not match its audit trail: ${m.reason}`;
    throw new WaiverError(
      'audit_broken',
      mismatches.length === 1
        ? line(mismatches[0]!)
        : `${mismatches.length} rows do not match their audit trail: ${mismatches.map(line).join('; ')}`,
      'audit',
      mismatches.map((m) => ({
        code: m.kind,
        field: m.record,
        message: `does not match its audit trail: ${m.reason}`,
      })),
    );
  }
  return { events };
}

/**
 * One pass over the trail in pages (the chain, and the row digest each exception's and token's latest
 * event recorded), then over the exception rows in pages and the token rows; then whatever the trail
 * speaks of that no row answered. Writers go on meanwhile: a row that does not match is checked again
 * after the walk caught up with the events written since, and a row missing is looked up once more.
 */
export async function checkTrail(store: StoreReader): Promise<TrailCheck> {
  const hash = store.auditHash;
  const walk = chainWalk(hash);
  const latest = noLatestEvents();
  let events = 0;
  let lastSeq = 0;
  const catchUp = async (): Promise<ChainBreak | undefined> => {
    for (;;) {
      const page = await store.listAudit({ afterSeq: lastSeq, limit: VERIFY_PAGE });
      for (const event of page) {
        const broken = walk.next(event);
        if (broken) return broken;
        noteLatest(latest, event);
        events += 1;
        lastSeq = event.seq;
      }
      if (page.length < VERIFY_PAGE) return undefined;
    }
  };
  const broken = await catchUp();
  if (broken) return { events, broken };
  const mismatches: RecordMismatch[] = [];
  const seen = new Set<number>();
  for (let afterId = 0; ;) {
    const rows = await store.listExceptions({ afterId, limit: VERIFY_PAGE, direct: true });
    for (const row of rows) {
      seen.add(row.id);
      const problem = await recheck(
        () => checkRow(formatId(row.id), row, latest.exceptions.get(row.id), hash),
        catchUp,
        async () => {
          const now = await store.getException(row.id);
          return now && (() => checkRow(formatId(now.id), now, latest.exceptions.get(now.id), hash));
        },
      );
      if (problem && 'broken' in problem) return { events, broken: problem.broken };
      if (problem) mismatches.push(problem);
    }
    const last = rows.at(-1);
    if (!last || rows.length < VERIFY_PAGE) break;
    afterId = last.id;
  }
  const tokens = await store.listStoredTokens();
  const seenTokens = new Set<string>();
  for (const token of tokens) {
    seenTokens.add(token.id);
    const problem = await recheck(
      () => checkRow(tokenLabel(token.id), token, latest.tokens.get(token.id), hash),
      catchUp,
      async () => {
        const now = (await store.listStoredTokens()).find((t) => t.id === token.id);
        return now && (() => checkRow(tokenLabel(now.id), now, latest.tokens.get(now.id), hash));
      },
    );
    if (problem && 'broken' in problem) return { events, broken: problem.broken };
    if (problem) mismatches.push(problem);
  }
  // The trail speaks of rows the walk did not meet: gone, unless written while the rows were read.
  for (const [id, event] of latest.exceptions)
    if (!seen.has(id) && !(await store.getException(id))) mismatches.push(missingRow(formatId(id), event));
  const unseenTokens = [...latest.tokens].filter(([id]) => !seenTokens.has(id));
  if (unseenTokens.length) {
    const present = new Set((await store.listStoredTokens()).map((t) => t.id));
    for (const [id, event] of unseenTokens)
      if (!present.has(id)) mismatches.push(missingRow(tokenLabel(id), event));
  }
  return mismatches.length ? { events, mismatches } : { events };
}

/**
 * A row against the trail; one that does not match is read again (`reread`: the check of the row as it
 * stands now, or undefined when it is gone) after the walk caught up.
 */
async function recheck(
  check: () => RecordMismatch | undefined,
  catchUp: () => Promise<ChainBreak | undefined>,
  reread: () => Promise<(() => RecordMismatch | undefined) | undefined>,
): Promise<{ broken: ChainBreak } | RecordMismatch | undefined> {
  let current: (() => RecordMismatch | undefined) | undefined = check;
  for (let attempt = 0; current; attempt++) {
    const mismatch = current();
    if (!mismatch) return undefined;
    if (attempt === RECHECKS) return mismatch;
    const broken = await catchUp();
    if (broken) return { broken };
    current = await reread();
  }
  return undefined;
}
