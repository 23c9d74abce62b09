import { urlOf } from './api/url';
import { parseRoute, type Route } from './route';

/**
 * The calls the first page makes, started by the page's first small script while React and the pages
 * are still on the wire: the server answers during the download instead of after it. Nothing here may
 * import React or a page, or it would travel in that first script. The API client takes each answer
 * once, for the same URL and token; anything else is fetched as usual.
 */

/** Kept for this browser tab only; never in a URL or a cookie. */
export const TOKEN_KEY = 'waiver.token';
export const UI_CONFIG = '/api/v1/ui-config';
/** Rows on a page of the inventory. */
export const EXCEPTIONS_PAGE = 50;

/** The inventory's query: its filters from the URL, one page at a time. */
export function exceptionsQuery(query: URLSearchParams, cursor: string | undefined) {
  const given = (name: string) => query.get(name) || undefined;
  return {
    state: given('state'),
    namespace: given('namespace'),
    expiringWithin: given('expiringWithin'),
    policy: given('policy'),
    category: given('category'),
    search: given('search'),
    sort: given('sort'),
    limit: EXCEPTIONS_PAGE,
    continue: cursor,
  };
}

/** The dashboard's list of what expires soon. */
export const expiringSoonQuery = { state: 'active', expiringWithin: '7d', limit: 20 } as const;

/**
 * The GET calls a signed-in first visit to `route` makes: the page's own, then the session's. The page's
 * go first: over HTTP/1.1 a browser opens six connections to a server, and the assets take some of them.
 */
export function firstCalls(route: Route): string[] {
  // The session's calls, in auth/session.tsx's order.
  const session = ['/api/v1/me', '/api/v1/settings', '/api/v1/targets'];
  switch (route.page) {
    case 'dashboard':
      return [
        '/api/v1/metrics/summary',
        urlOf('/api/v1/exceptions', undefined, expiringSoonQuery),
        '/api/v1/review',
        ...session,
      ];
    case 'exceptions':
      return [urlOf('/api/v1/exceptions', undefined, exceptionsQuery(route.query, undefined)), ...session];
    default:
      return session;
  }
}

/** The calls the first paint of `route` draws from (first-paint.ts: the inventory and who is signed in). */
export function firstPaintCalls(route: Route): string[] {
  return route.page === 'exceptions'
    ? [urlOf('/api/v1/exceptions', undefined, exceptionsQuery(route.query, undefined)), '/api/v1/me']
    : [];
}

interface Started {
  call: Promise<Response>;
  /** Settles when the answer's JSON has been read (undefined when it is not a 200 with JSON) or failed. */
  read: Promise<unknown>;
  /** The answer's JSON once it has arrived with 200: a first render can use it without waiting a turn. */
  json?: unknown;
}

/**
 * The calls started early, kept on the window: index.html's inline script (early.ts, built into the
 * page) starts them as the page is parsed, and the app's copy of this module takes them.
 */
interface FirstCalls {
  started: Map<string, Started>;
  begun: boolean;
  /** Settles when every first call, those started later included, has been read or has failed. */
  settled?: Promise<unknown>;
}
const page = globalThis as { waiverFirstCalls?: FirstCalls };
const shared: FirstCalls = (page.waiverFirstCalls ??= { started: new Map(), begun: false });
const started = shared.started;
const keyOf = (url: string, token: string | undefined) => `${token ?? ''} ${url}`;

function start(url: string, token: string | undefined): void {
  const call = fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  // An answer nobody takes (the visitor went elsewhere) must not report an unhandled failure; the one
  // who takes it sees the failure as a fetch of its own would.
  const read = call
    .then((response) =>
      response.status === 200 && /json/.test(response.headers.get('content-type') ?? '')
        ? response.clone().json()
        : undefined,
    )
    .then(
      (json: unknown) => {
        if (json !== undefined) entry.json = json;
        return json;
      },
      () => undefined,
    );
  const entry: Started = { call, read };
  started.set(keyOf(url, token), entry);
}

/** The meta element in which the server carries the sign-in settings (src/server/web-ui.ts). */
const UI_CONFIG_META = 'meta[name="waiver-ui-config"]';

/** The sign-in settings as index.html carries them; undefined when it does not (Vite's dev server). */
export function carriedConfig(): unknown {
  const text = document.querySelector(UI_CONFIG_META)?.getAttribute('content');
  return text ? JSON.parse(text) : undefined;
}

/** Starts the first page's calls: the sign-in settings unless the page carries them, and with a token in
 * this tab, the page's data. */
export function startFirstCalls(): void {
  // Once per page: index.html's inline script has started them when it is built with one.
  if (shared.begun) return;
  shared.begun = true;
  if (carriedConfig() === undefined) start(UI_CONFIG, undefined);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    const route = parseRoute(window.location.hash);
    // What the first paint draws from goes alone, so that the server answers it first; the others follow.
    const urgent = firstPaintCalls(route);
    for (const url of urgent) start(url, token);
    const read = (urls: readonly string[]) => Promise.all(urls.map((url) => whenRead(url, token)));
    shared.settled = read(urgent).then(() => {
      const rest = firstCalls(route).filter((url) => !urgent.includes(url));
      for (const url of rest) start(url, token);
      return read(rest);
    });
  }
  // Another page asks for its own data, fresh.
  window.addEventListener('hashchange', () => started.clear(), { once: true });
}

/** The answer to a call started early for this URL and token, once; undefined when there is none. */
export function takeStarted(url: string, token?: string): Promise<Response> | undefined {
  const key = keyOf(url, token);
  const entry = started.get(key);
  started.delete(key);
  return entry?.call;
}

/**
 * The JSON of calls started early that have all arrived and succeeded, each taken once; undefined (and
 * none taken) while any has not. A page renders with them at once instead of asking in an effect.
 */
export function takeArrived(urls: readonly string[], token: string): unknown[] | undefined {
  const entries = urls.map((url) => started.get(keyOf(url, token)));
  if (!entries.every((e) => e !== undefined && 'json' in e)) return undefined;
  for (const url of urls) started.delete(keyOf(url, token));
  return entries.map((e) => e?.json);
}

/** The JSON of a call started early, once read (without taking it); undefined when there is none or it failed. */
export function whenRead(url: string, token: string): Promise<unknown> {
  return started.get(keyOf(url, token))?.read ?? Promise.resolve(undefined);
}

/** Settles when every call started early (and those it starts once the first ones have answered) has been
 * read or has failed. */
export function allRead(): Promise<unknown> {
  return Promise.all([...started.values()].map((e) => e.read).concat(shared.settled ?? []));
}
