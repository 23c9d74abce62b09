import { takeArrived, takeStarted } from '../first-calls';
import type { paths } from './openapi';
import { urlOf } from './url';

/** What the server answered instead of success: its own words, and the field it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | undefined,
    /** Every rule a request broke, each with its field (a guardrail refusal). */
    readonly issues: readonly { code: string; field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'get' | 'post' | 'delete';
type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends { responses: object } ? P : never;
}[keyof paths];
type Operation<P extends keyof paths, M extends Method> = paths[P][M];

/** The JSON of the operation's success answer (200 or 201), as OpenAPI describes it. */
export type Success<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: { content: { 'application/json': infer J } } }
      ? J
      : R extends { 201: { content: { 'application/json': infer J } } }
        ? J
        : R extends { 204: unknown }
          ? undefined
          : never
    : never;
type Query<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? Q : never;
type PathParams<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { path: infer A } } ? A : never;
type Body<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export interface CallOptions<P extends keyof paths, M extends Method> {
  path?: PathParams<P, M>;
  query?: Query<P, M>;
  body?: Body<P, M>;
  /** Text rather than JSON (the manifest, a CSV export). */
  text?: boolean;
  /** Bytes rather than JSON (a signed evidence bundle). */
  blob?: boolean;
}

/** The API client: typed by the server's OpenAPI document, authenticated by the signed-in token. */
export interface Api {
  get<P extends PathsWith<'get'>>(path: P, options?: CallOptions<P, 'get'>): Promise<Success<P, 'get'>>;
  post<P extends PathsWith<'post'>>(path: P, options?: CallOptions<P, 'post'>): Promise<Success<P, 'post'>>;
  del<P extends PathsWith<'delete'>>(
    path: P,
    options?: CallOptions<P, 'delete'>,
  ): Promise<Success<P, 'delete'>>;
  text(path: string): Promise<string>;
  blob(path: string): Promise<Blob>;
  /** The answer to a GET the page started before React loaded, if it has arrived (once); else undefined. */
  arrived<P extends PathsWith<'get'>>(
    path: P,
    options?: CallOptions<P, 'get'>,
  ): Success<P, 'get'> | undefined;
}

export function apiClient(token: string, onUnauthenticated: () => void): Api {
  async function call(
    method: string,
    template: string,
    options: CallOptions<never, never> = {},
  ): Promise<never> {
    const url = urlOf(template, options.path as Record<string, string> | undefined, options.query);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const early = method === 'GET' ? takeStarted(url, token) : undefined;
    const response = await (early ??
      fetch(url, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      }));
    if (response.status === 401) onUnauthenticated();
    if (!response.ok) throw await errorOf(response);
    if (options.text) return (await response.text()) as never;
    if (options.blob) return (await response.blob()) as never;
    if (response.status === 204) return undefined as never;
    return (await response.json()) as never;
  }
  return {
    get: (path, options) => call('GET', path, options),
    post: (path, options) => call('POST', path, options),
    del: (path, options) => call('DELETE', path, options),
    text: (path) => call('GET', path, { text: true }),
    blob: (path) => call('GET', path, { blob: true }),
    arrived: (path, options = {}) => {
      const url = urlOf(path, options.path as Record<string, string> | undefined, options.query);
      return takeArrived([url], token)?.[0] as never;
    },
  };
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as {
      code?: string;
      message?: string;
      field?: string;
      issues?: { code: string; field: string; message: string }[];
    };
    return new ApiError(
      response.status,
      body.code ?? 'error',
      body.message ?? response.statusText,
      body.field,
      body.issues ?? [],
    );
  } catch {
    return new ApiError(response.status, 'error', `HTTP ${response.status}`, undefined);
  }
}
