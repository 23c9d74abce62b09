import { errorCodes, messageOf, WaiverError, type ErrorCode } from '../domain/errors.js';
import type { ListFilter } from '../service/list-exceptions.js';
import type { Waiver } from '../service/waiver.js';

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

/**
 * The `Waiver` interface over the HTTP API: remote mode. The server answers with the same views the
 * service returns in-process, so every command prints the same thing in both modes.
 */
export function remoteWaiver(baseUrl: string, token: string): Waiver {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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
    const payload: unknown = type.includes('json') ? await res.json() : await res.text();
    if (!res.ok) throw errorFrom(res.status, payload);
    return payload as T;
  };
  const id = (ref: string): string => `/api/v1/exceptions/${encodeURIComponent(ref)}`;
  const query = (params: Record<string, string | number | undefined>): string => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
    const text = q.toString();
    return text ? `?${text}` : '';
  };
  const listQuery = (filter: ListFilter) => ({
    namespace: filter.namespace,
    state: filter.states?.join(','),
    expiringWithin:
      filter.expiringWithinMs === undefined ? undefined : `${Math.ceil(filter.expiringWithinMs / 1000)}s`,
  });
  const waiver: Waiver = {
    request: (input) => call('POST', '/api/v1/exceptions', input),
    approve: (ref, comment) => call('POST', `${id(ref)}/approve`, { comment }),
    reject: (ref, comment) => call('POST', `${id(ref)}/reject`, { comment }),
    withdraw: (ref, comment) => call('POST', `${id(ref)}/withdraw`, { comment }),
    apply: (ref, comment) => call('POST', `${id(ref)}/apply`, { comment }),
    revoke: (ref, comment) => call('POST', `${id(ref)}/revoke`, { comment }),
    escalate: (ref, comment) => call('POST', `${id(ref)}/escalate`, { comment }),
    renew: (ref, input) => call('POST', `${id(ref)}/renew`, input),
    get: (ref) => call('GET', id(ref)),
    describe: (ref) => call('GET', `${id(ref)}/history`),
    listPage: (filter, page) =>
      call(
        'GET',
        `/api/v1/exceptions${query({ ...listQuery(filter), limit: page.limit, continue: page.after })}`,
      ),
    list: async (filter = {}) => {
      const items = [];
      let after: number | undefined;
      do {
        const page = await waiver.listPage(filter, { limit: PAGE, after });
        items.push(...page.items);
        after = page.continue === undefined ? undefined : Number(page.continue);
      } while (after !== undefined);
      return items;
    },
    audit: async (ref, filter = {}) => {
      const instant = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
      const params = {
        exception: ref,
        action: filter.action,
        actor: filter.actor,
        since: instant(filter.sinceMs),
        until: instant(filter.untilMs),
      };
      return (await call<{ items: never[] }>('GET', `/api/v1/audit${query(params)}`)).items;
    },
    verifyAudit: () => call('GET', '/api/v1/audit/verify'),
    metrics: (atMs) =>
      call(
        'GET',
        `/api/v1/metrics/summary${query({ at: atMs === undefined ? undefined : new Date(atMs).toISOString() })}`,
      ),
    render: (ref, apiVersion) => call('GET', `${id(ref)}/manifest${query({ apiVersion })}`),
    sweep: async (atMs) => {
      if (atMs !== undefined)
        throw new WaiverError(
          'usage',
          'the server keeps its own clock: --now works in local mode only',
          'now',
        );
      return call('POST', '/api/v1/sweep');
    },
    lint: (sources) => call('POST', '/api/v1/lint', { sources }),
    reconcile: () => call('POST', '/api/v1/reconcile'),
    unmanaged: async () => (await call<{ items: never[] }>('GET', '/api/v1/unmanaged')).items,
    import: (options) => call('POST', '/api/v1/import', options),
    createToken: (input) => call('POST', '/api/v1/tokens', input),
    listTokens: async () => (await call<{ items: never[] }>('GET', '/api/v1/tokens')).items,
    revokeToken: async (tokenId) => {
      await call('DELETE', `/api/v1/tokens/${encodeURIComponent(tokenId)}`);
    },
    close: () => Promise.resolve(),
  };
  return waiver;
}
