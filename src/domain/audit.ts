import type { AuditAction } from './lifecycle.js';

/** An append-only audit event; `hash = sha256(prevHash || canonicalJson(event body))`. */
export interface AuditEvent {
  seq: number;
  at: string;
  actor: string;
  action: AuditAction;
  exceptionId: number | null;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** What the metrics read of an event: no actor and no hashes, and `data` only for the actions asked for. */
export type AuditFact = Pick<AuditEvent, 'seq' | 'at' | 'action' | 'exceptionId' | 'data'>;

export type NewAuditEvent = Pick<AuditEvent, 'at' | 'actor' | 'action' | 'exceptionId' | 'data'>;

/** The first link of the chain points at this. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * An object's keys in sorted order, each with its JSON text and colon, by the keys in their own order:
 * the trail digests rows and events of a few shapes, and sorting a row's thirty keys for each digest
 * cost more than the rest of the text. Bounded, so odd shapes (events' varied data) are sorted each time.
 */
const sortedKeys = new Map<string, { own: readonly string[]; sorted: readonly SortedKey[] }>();
const SHAPES = 256;
type SortedKey = readonly [key: string, prefix: string];

function keysOf(object: object): readonly SortedKey[] {
  const own = Object.keys(object);
  const shape = own.join('\n');
  const known = sortedKeys.get(shape);
  // Keys holding a line break could join to another shape's text: the keys themselves must match.
  if (known && known.own.length === own.length && known.own.every((key, i) => key === own[i]))
    return known.sorted;
  // Default sort order: UTF-16 code units, as Array.prototype.sort compares strings.
  const sorted = [...own].sort().map((key) => [key, `${JSON.stringify(key)}:`] as const);
  if (!known && sortedKeys.size < SHAPES) sortedKeys.set(shape, { own, sorted });
  return sorted;
}

/** JSON with object keys sorted at every level, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  // Every event and row digest passes here: a plain loop, no intermediate arrays of pairs.
  const object = value as Record<string, unknown>;
  let text = '';
  for (const [key, prefix] of keysOf(object)) {
    const v = object[key];
    if (v === undefined) continue;
    text += `${text ? ',' : ''}${prefix}${canonicalJson(v)}`;
  }
  return `{${text}}`;
}

/** The part of an event that its hash covers. */
export const hashedBody = (e: Omit<AuditEvent, 'hash' | 'prevHash'>): string =>
  canonicalJson({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    exceptionId: e.exceptionId,
    data: e.data,
  });

export type HashFn = (text: string) => string;

/**
 * The digest of an exception row that the event changing it records (`data.record`): the chain then
 * covers the rows the API serves, and a row edited behind Waiver's back no longer matches it.
 */
export const recordDigest = (record: object, sha256: HashFn): string =>
  sha256(canonicalJson(withoutEmptyLaterFields(record)));

/**
 * Fields an exception row gained after rows were first bound (migrations 0011, 0015) count in its digest only
 * once they hold something, so a row written before keeps the digest its last event recorded.
 */
const laterFields = [
  'riskRating',
  'compensatingControls',
  'closureReason',
  'controls',
  'validations',
  'falsePositive',
  // migration 0016
  'podSecurity',
  'images',
  'allowedValues',
] as const;

function withoutEmptyLaterFields(record: object): object {
  const row = record as Record<string, unknown>;
  const empty = (v: unknown) => v === null || (Array.isArray(v) && v.length === 0);
  if (!laterFields.some((key) => key in row && empty(row[key]))) return record;
  const copy = { ...row };
  for (const key of laterFields) if (key in copy && empty(copy[key])) copy[key] = undefined;
  return copy;
}

/** The next link of the chain after `last` (undefined: the chain is empty): its number and hashes. */
export function nextLink(
  last: Pick<AuditEvent, 'seq' | 'hash'> | undefined,
  event: NewAuditEvent,
  sha256: HashFn,
): Pick<AuditEvent, 'seq' | 'prevHash' | 'hash'> {
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  return { seq, prevHash, hash: sha256(prevHash + hashedBody({ ...event, seq })) };
}

/**
 * The event as the trail keeps it: the digest of the row it is about (the exception's, or the API
 * token's, as the row stands in the writing transaction) bound into `data.record`, then linked after
 * `last`. Every store appends through this, so the digests do not depend on which store wrote them.
 */
export function sealEvent(
  last: Pick<AuditEvent, 'seq' | 'hash'> | undefined,
  event: NewAuditEvent,
  row: object | undefined,
  hash: HashFn,
): AuditEvent {
  const bound =
    row === undefined ? event : { ...event, data: { ...event.data, record: recordDigest(row, hash) } };
  return { ...bound, ...nextLink(last, bound, hash) };
}

export interface ChainBreak {
  seq: number;
  reason: string;
}

/**
 * Checks the chain one event at a time, in order, so a trail of any length is verified in pages with
 * flat memory: `next` answers the first broken link, or undefined while the chain holds.
 */
export function chainWalk(sha256: HashFn): { next(event: AuditEvent): ChainBreak | undefined } {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  return {
    next(event) {
      if (event.seq !== expectedSeq)
        return {
          seq: event.seq,
          reason: `expected event #${expectedSeq} next, found #${event.seq} (an event is missing)`,
        };
      if (event.prevHash !== prevHash)
        return {
          seq: event.seq,
          reason: 'its prevHash does not match the previous event (an event was removed or reordered)',
        };
      if (sha256(prevHash + hashedBody(event)) !== event.hash)
        return { seq: event.seq, reason: 'its content does not match its hash (the event was altered)' };
      prevHash = event.hash;
      expectedSeq += 1;
      return undefined;
    },
  };
}

/** Recomputes the chain and names the first broken link; the hash function is passed in (domain is pure). */
export function verifyChain(events: Iterable<AuditEvent>, sha256: HashFn): ChainBreak | undefined {
  const walk = chainWalk(sha256);
  for (const event of events) {
    const broken = walk.next(event);
    if (broken) return broken;
  }
  return undefined;
}

/** The actions whose event records an API token's row: `data.token` names it, `data.record` its digest. */
const tokenActions: ReadonlySet<AuditAction> = new Set(['token_created', 'token_revoked', 'token_bound']);

/** The API token an event is about, if it is one. */
export function tokenOf(event: Pick<AuditEvent, 'action' | 'data'>): string | undefined {
  const token = event.data['token'];
  return tokenActions.has(event.action) && typeof token === 'string' ? token : undefined;
}

/** What the latest event about a row recorded: its number, the row's digest if any, and how many there were. */
export interface LatestEvent {
  seq: number;
  record: string | undefined;
  events: number;
}

/** The latest event about each exception row (by id) and each API token row (by id). */
export interface LatestEvents {
  exceptions: Map<number, LatestEvent>;
  tokens: Map<string, LatestEvent>;
}

export const noLatestEvents = (): LatestEvents => ({ exceptions: new Map(), tokens: new Map() });

/** Notes an event as the latest about its row (events arrive in chain order). */
export function noteLatest(latest: LatestEvents, event: AuditEvent): void {
  const recorded = event.data['record'];
  const note = <K>(map: Map<K, LatestEvent>, key: K) =>
    map.set(key, {
      seq: event.seq,
      record: typeof recorded === 'string' ? recorded : undefined,
      events: (map.get(key)?.events ?? 0) + 1,
    });
  if (event.exceptionId !== null) note(latest.exceptions, event.exceptionId);
  else {
    const token = tokenOf(event);
    if (token !== undefined) note(latest.tokens, token);
  }
}

/** How a row and its trail disagree: a row no event accounts for, one edited since, one deleted. */
export type MismatchKind = 'record_inserted' | 'record_edited' | 'record_deleted';

/** A row (an exception, `EX-7`, or an API token, `token tok-…`) that its audit trail does not account for. */
export interface RecordMismatch {
  record: string;
  kind: MismatchKind;
  reason: string;
}

/**
 * Checks one row against the latest event about it: a row with no event was inserted outside Waiver; a
 * row whose digest differs from the one its latest event recorded was edited outside it. (Events written
 * before rows were bound carry no digest and vouch for nothing but the row's existence.)
 */
export function checkRow(
  label: string,
  row: object,
  latest: LatestEvent | undefined,
  sha256: HashFn,
): RecordMismatch | undefined {
  if (!latest)
    return {
      record: label,
      kind: 'record_inserted',
      reason: 'no audit event accounts for it (inserted outside Waiver)',
    };
  if (latest.record !== undefined && latest.record !== recordDigest(row, sha256))
    return {
      record: label,
      kind: 'record_edited',
      reason: `it no longer matches the row its last event #${latest.seq} recorded (edited outside Waiver)`,
    };
  return undefined;
}

/** A row the trail speaks of that the database no longer holds: Waiver never deletes one. */
export const missingRow = (label: string, latest: LatestEvent): RecordMismatch => ({
  record: label,
  kind: 'record_deleted',
  reason: `${latest.events} audit event(s) speak of it, the last #${latest.seq}, but its row is gone (deleted outside Waiver)`,
});

/** How an API token is named in what verification reports. */
export const tokenLabel = (id: string): string => `token ${id}`;
