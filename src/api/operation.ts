import type { z } from 'zod';
import type { Waiver } from '../service/waiver.js';

/**
 * Every `Waiver` method the API serves; `list` and `audit` are `listPage` and `auditPage` repeated,
 * `requestBatch` is `batch` with the `request` action, `close` is the client's own.
 */
export type OperationName = Exclude<keyof Waiver, 'close' | 'list' | 'audit' | 'requestBatch'>;

type Method<N extends OperationName> = Waiver[N];
export type Result<N extends OperationName> = Awaited<ReturnType<Method<N>>>;
type Output<S> = S extends z.ZodType ? z.output<S> : undefined;

/** An HTTP call as the remote client builds it: the path's id, the query and the JSON body. */
export interface HttpCall {
  id?: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

/** A body that is not JSON (YAML, CSV, JSON Lines), or JSON already serialised; a long one streams. */
export interface TextBody {
  type: string;
  text: string | Iterable<string> | AsyncIterable<string>;
}

export interface Success {
  status: 200 | 201 | 204;
  description: string;
  /** The JSON body; absent for 204 and for text-only answers. */
  schema?: z.ZodType;
  /** Other content types it may answer with (chosen by the query), or its only one. */
  text?: readonly string[];
}

/**
 * One API operation, declared once: the Fastify route, its OpenAPI entry and the remote client's method
 * are all derived from it. The server validates `query` and `body`, calls `invoke`; the client turns a
 * method's arguments into a call with `encode`, and the answer back into its result with `decode`.
 */
export interface Operation<N extends OperationName, Q = unknown, B = unknown> {
  name: N;
  method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI style: `/api/v1/exceptions/{id}`. */
  path: string;
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  success: Success;
  /** Its answer may be megabytes (a page, a stream, an export): the server runs few of these at once. */
  large?: true;
  invoke(waiver: Waiver, input: { id: string; query: Q; body: B }): Promise<Result<N>>;
  /** A body other than the result as JSON; undefined keeps the JSON. */
  respond?(result: Result<N>, input: { query: Q; waiver: Waiver }): TextBody | undefined;
  /** For 201: where the new resource lives. */
  location?(result: Result<N>): string;
  encode(...args: Parameters<Method<N>>): HttpCall;
  decode?(body: unknown): Result<N>;
}

/** Declares an operation; the input types follow from its schemas. */
export const operation = <
  N extends OperationName,
  QS extends z.ZodObject | undefined = undefined,
  BS extends z.ZodType | undefined = undefined,
>(
  op: Omit<Operation<N, Output<QS>, Output<BS>>, 'query' | 'body'> & { query?: QS; body?: BS },
): Operation<N, Output<QS>, Output<BS>> => op as Operation<N, Output<QS>, Output<BS>>;
