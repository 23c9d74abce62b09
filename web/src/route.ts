/** Pages live in the URL's fragment (`#/exceptions/EX-1`): the server serves one page at `/`. */
export type Route =
  | { page: 'dashboard' }
  | { page: 'exceptions'; query: URLSearchParams }
  | { page: 'exception'; id: string }
  | { page: 'request'; query: URLSearchParams }
  | { page: 'violations'; query: URLSearchParams }
  | { page: 'review' }
  | { page: 'audit'; query: URLSearchParams }
  | { page: 'report'; query: URLSearchParams }
  | { page: 'tokens' }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (first === undefined) return { page: 'dashboard' };
  if (first === 'exceptions' && second !== undefined) return { page: 'exception', id: second };
  if (first === 'exceptions') return { page: 'exceptions', query };
  if (first === 'request') return { page: 'request', query };
  if (first === 'violations') return { page: 'violations', query };
  if (first === 'review') return { page: 'review' };
  if (first === 'audit') return { page: 'audit', query };
  if (first === 'report') return { page: 'report', query };
  if (first === 'tokens') return { page: 'tokens' };
  return { page: 'not-found', path };
}

export const href = (path: string, query?: Record<string, string | undefined>): string => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v) search.set(k, v);
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ''}`;
};

/** A text field of a submitted form, trimmed ('' when absent; a file input is not text). */
export const formText = (data: FormData, name: string): string => {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

/** The inventory's filters, as its form names them and its URL carries them. */
export const inventoryFilters = [
  'state',
  'namespace',
  'expiringWithin',
  'policy',
  'category',
  'search',
  'sort',
] as const;

/** The inventory at the filters its submitted form gives. */
export const inventoryHref = (data: FormData): string =>
  href('/exceptions', Object.fromEntries(inventoryFilters.map((name) => [name, formText(data, name)])));
