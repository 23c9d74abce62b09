import type { HttpCall, Operation, OperationName } from '../api/operation.js';
import { pages, type Page } from '../api/paging.js';
import { operationList, operations } from '../api/operations.js';
import { errorCodes, messageOf, WaiverError, type ErrorCode } from '../domain/errors.js';
import type { AuditEvent } from '../domain/audit.js';
import type { ExceptionView } from '../domain/view.js';
import type { BatchReport } from '../service/batch-actions.js';
import type { Waiver } from '../service/waiver.js';

/** Items a remote listing asks for at a time: the largest page of exceptions the API serves. */
const PAGE = 500;

/** Statuses the service never produces (413, 429) still become a WaiverError with a fitting code. */
function errorFrom(status: number, body: unknown): WaiverError {
  const b = (body ?? {}) as { code?: unknown; message?: unknown; field?: unknown; issues?: unknown };
  const known = (errorCodes as readonly unknown[]).includes(b.code);
  const code: ErrorCode = known ? (b.code as ErrorCode) : status >= 500 ? 'internal' : 'usage';
  const message = typeof b.message === 'string' ? b.message : `the server answered HTTP ${status}`;
  const issues = Array.isArray(b.issues) ? (b.issues as WaiverError['issues']) : [];
  return new WaiverError(code, message, typeof b.field === 'string' ? b.field : undefined, issues);
}

/** Every item of a paged listing. */
async function allPages<T>(next: (after: number | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages(next)) items.push(...page.items);
  return items;
}

/** The URL of a call: the id in the path, the query's defined values in the query string. */
function urlOf(baseUrl: string, op: Operation<OperationName>, call: HttpCall): string {
  const path = op.path.replace('{id}', encodeURIComponent(call.id ?? ''));
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) query.set(k, String(v));
  const text = query.toString();
  return `${baseUrl}${path}${text ? `?${text}` : ''}`;
}

/**
 * The `Waiver` interface over the HTTP API: remote mode. Every method is derived from the operation
 * table, so the client cannot drift from the server; the server answers with the same views the service
 * returns in-process, so every command prints the same thing in both modes.
 */
export function remoteWaiver(baseUrl: string, token: string): Waiver {
  const send = async (op: Operation<OperationName>, call: HttpCall): Promise<unknown> => {
    let res: Response;
    try {
      res = await fetch(urlOf(baseUrl, op, call), {
        method: op.method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (e) {
      throw new WaiverError(
        'internal',
        `cannot reach the server ${baseUrl}: ${messageOf((e as { cause?: unknown }).cause ?? e)}`,
        'server',
      );
    }
    const type = res.headers.get('content-type') ?? '';
    const payload: unknown =
      type.includes('json') && !type.includes('jsonl') ? await res.json() : await res.text();
    if (!res.ok) throw errorFrom(res.status, payload);
    return op.decode ? op.decode(payload) : payload;
  };
  const methods = Object.fromEntries(
    operationList.map((op) => [
      op.name,
      async (...args: unknown[]) => send(op, (op.encode as (...a: unknown[]) => HttpCall)(...args)),
    ]),
  );
  const waiver = {
    ...methods,
    // `list` is `listPage` until the last page.
    list: (filter = {}) =>
      allPages<ExceptionView>((after) => waiver.listPage(filter, { limit: PAGE, after })),
    // `audit` is `auditPage` until the last page.
    audit: (ref, filter = {}) =>
      allPages<AuditEvent>((after) => waiver.auditPage(ref, filter, { limit: PAGE, after })),
    requestBatch: async (inputs) =>
      (await send(operations.batch, { body: { action: 'request', requests: inputs } })) as BatchReport,
    close: () => Promise.resolve(),
  } as Waiver;
  return waiver;
}
