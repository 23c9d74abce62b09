import { hash } from 'node:crypto';
import type { AuditEvent } from '../domain/audit.js';
import { WaiverError } from '../domain/errors.js';
import type { ExceptionRecord } from '../domain/exception.js';
import { parseInstant } from '../domain/time.js';
import {
  assessmentFinding,
  assessmentResultHead,
  documentUuid,
  inPeriod,
  oscalMetadata,
  oscalModels,
  poamItem,
  poamObservations,
  poamRisk,
  type OscalContext,
  type OscalModel,
  type OscalPeriod,
  type OscalSummary,
} from '../domain/oscal.js';
import { authorize, type Actor } from './actor.js';
import type { ServiceDeps } from './deps.js';
import type { StoreReader } from './ports/store.js';

/** Exceptions read a page at a time; their events in one query per page (ids fit every dialect's limit). */
const PAGE = 400;
/** Chunks of JSON text handed to the writer: large enough to be few, small enough to stream. */
const CHUNK = 64 * 1024;

/** The namespace every exported UUID is derived from (RFC 4122 version 5): fixed, so exports repeat. */
const NAMESPACE = Buffer.from('9b1e2c57f0a34d5a8d6e3c1f7a2b4e60', 'hex');

/** A version 5 UUID of `name` in Waiver's namespace. */
export function uuidV5(name: string): string {
  const digest = hash('sha1', Buffer.concat([NAMESPACE, Buffer.from(name, 'utf8')]), 'buffer');
  const b = digest.subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x50;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface OscalExportInput {
  model: OscalModel;
  from?: string | undefined;
  to?: string | undefined;
}

function checkInput({ model, from, to }: OscalExportInput): OscalPeriod {
  if (!(oscalModels as readonly string[]).includes(model))
    throw new WaiverError('usage', `model must be one of ${oscalModels.join(', ')}, not "${model}"`, 'model');
  const instant = (value: string | undefined, field: string) => {
    if (value === undefined) return undefined;
    return new Date(parseInstant(value, field)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  };
  const period = { from: instant(from, 'from'), to: instant(to, 'to') };
  if (period.from && period.to && period.from >= period.to)
    throw new WaiverError('usage', 'must be before the end of the period (to)', 'from');
  return period;
}

/** Every exception in the period, a page at a time, in id order. */
async function* pages(store: StoreReader, period: OscalPeriod): AsyncGenerator<ExceptionRecord[]> {
  for (let afterId = 0; ;) {
    // Direct: a long-lived store would otherwise keep every record it read.
    const page = await store.listExceptions({ afterId, limit: PAGE, direct: true });
    const kept = page.filter((r) => inPeriod(r, period));
    if (kept.length) yield kept;
    if (page.length < PAGE) return;
    afterId = page.at(-1)?.id ?? afterId;
  }
}

/** The events of a page of exceptions, grouped by exception, in chain order. */
async function eventsOf(store: StoreReader, records: readonly ExceptionRecord[], period: OscalPeriod) {
  const events = await store.listAudit({
    exceptionIds: records.map((r) => r.id),
    ...(period.to ? { until: period.to } : {}),
  });
  const byId = new Map<number, AuditEvent[]>();
  for (const e of events) {
    if (e.exceptionId === null) continue;
    const list = byId.get(e.exceptionId);
    if (list) list.push(e);
    else byId.set(e.exceptionId, [e]);
  }
  return byId;
}

/** Collects JSON text and hands it on in chunks. */
class Chunker {
  private parts: string[] = [];
  private size = 0;
  add(text: string): string | undefined {
    this.parts.push(text);
    this.size += text.length;
    return this.size >= CHUNK ? this.take() : undefined;
  }
  take(): string {
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    return text;
  }
}

/**
 * An OSCAL document of the exceptions in the period, as JSON text in chunks: a page of exceptions (and
 * their events) in memory at a time. The arrays come first and the document's `uuid` and `metadata`
 * last, since its parties and last modification are known only once every event was read; JSON does not
 * order an object's members.
 */
export function exportOscal(
  deps: ServiceDeps,
  actor: Actor,
  input: OscalExportInput,
): AsyncGenerator<string> {
  // Refused before the first chunk: an HTTP answer has not started yet.
  authorize(actor, 'read');
  return oscalText(deps, input.model, checkInput(input));
}

async function* oscalText(deps: ServiceDeps, model: OscalModel, period: OscalPeriod): AsyncGenerator<string> {
  // The few parties' UUIDs recur in every risk-log entry: derived once each.
  const parties = new Map<string, string>();
  const uuid = (name: string): string => {
    if (!name.startsWith('party:')) return uuidV5(name);
    let known = parties.get(name);
    if (known === undefined) parties.set(name, (known = uuidV5(name)));
    return known;
  };
  const ctx: OscalContext = { uuid, period };
  const summary = {
    lastSeq: undefined as number | undefined,
    lastAt: undefined as string | undefined,
    firstAt: undefined as string | undefined,
    parties: new Set<string>(),
    controls: new Set<string>(),
  } satisfies OscalSummary;
  const note = (record: ExceptionRecord, events: readonly AuditEvent[]) => {
    summary.parties.add(record.requestor);
    for (const c of record.controls)
      if (c.catalog === 'nist-800-53-rev5') summary.controls.add(c.id.toLowerCase());
    for (const e of events) {
      summary.parties.add(e.actor);
      if (summary.lastSeq === undefined || e.seq > summary.lastSeq) {
        summary.lastSeq = e.seq;
        summary.lastAt = e.at;
      }
      if (summary.firstAt === undefined || e.at < summary.firstAt) summary.firstAt = e.at;
    }
  };
  const out = new Chunker();
  /** One array of the document: each exception's item, comma-separated; with events when `withEvents`. */
  async function* array(
    name: string,
    item: (r: ExceptionRecord, events: readonly AuditEvent[]) => readonly unknown[],
    withEvents: boolean,
  ): AsyncGenerator<string> {
    let first = true;
    for await (const page of pages(deps.store, period)) {
      const byId = withEvents ? await eventsOf(deps.store, page, period) : undefined;
      for (const record of page) {
        const events = byId?.get(record.id) ?? [];
        if (withEvents) note(record, events);
        for (const value of item(record, events)) {
          const text = `${first ? `"${name}":[` : ','}${JSON.stringify(value)}`;
          first = false;
          const chunk = out.add(text);
          if (chunk) yield chunk;
        }
      }
    }
    // OSCAL arrays hold at least one item: an empty one is left out.
    if (!first) {
      const chunk = out.add('],');
      if (chunk) yield chunk;
    }
  }

  if (model === 'poam') {
    out.add('{"plan-of-action-and-milestones":{');
    yield* array('observations', (r) => poamObservations(r, ctx), false);
    yield* array('risks', (r, events) => [poamRisk(r, events, ctx)], true);
    let any = false;
    yield* array(
      'poam-items',
      (r) => {
        any = true;
        return [poamItem(r, ctx)];
      },
      false,
    );
    // A POA&M must hold poam-items: with no exception in the period, one says so.
    if (!any) out.add(`"poam-items":[${JSON.stringify(emptyItem(ctx))}],`);
    out.add(
      `"uuid":${JSON.stringify(documentUuid('poam', summary, ctx))},"metadata":${JSON.stringify(oscalMetadata('poam', summary, ctx))}}}\n`,
    );
  } else {
    out.add('{"assessment-results":{"results":[{');
    // The observations and risks each finding names, as the POA&M holds them: OSCAL's constraints want
    // every reference to resolve within the document.
    yield* array('observations', (r) => poamObservations(r, ctx), false);
    yield* array('risks', (r, events) => [poamRisk(r, events, ctx)], true);
    yield* array('findings', (r, events) => [assessmentFinding(r, events, ctx)], true);
    const head = Object.entries(assessmentResultHead(summary, ctx)).map(
      ([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`,
    );
    const plan = uuidV5('assessment-plan');
    const backMatter = {
      resources: [
        {
          uuid: plan,
          title: "Waiver's exception process",
          description:
            'Every exception is requested with a justification, reviewed by a second person, applied by a third, time-bound, and removed at expiry; the audit trail is hash-chained.',
        },
      ],
    };
    out.add(
      `${head.join(',')}}],"import-ap":{"href":"#${plan}"},"back-matter":${JSON.stringify(backMatter)},"uuid":${JSON.stringify(documentUuid('assessment-results', summary, ctx))},"metadata":${JSON.stringify(oscalMetadata('assessment-results', summary, ctx))}}}\n`,
    );
  }
  yield out.take();
}

const emptyItem = (ctx: OscalContext) => ({
  uuid: ctx.uuid(`poam-item:none:${ctx.period.from ?? ''}:${ctx.period.to ?? ''}`),
  title: 'No policy exception in the period',
  description: 'Waiver recorded no policy exception in the period.',
});
