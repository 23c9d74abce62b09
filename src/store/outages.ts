import { messageOf, WaiverError } from '../domain/errors.js';

/** Network and server states of PostgreSQL, and SQLite's lock and I/O codes, that pass with time. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006', // connection_exception and kin
  '57014', // query_canceled: statement_timeout ended a statement (a frozen or locked database)
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

/** The disk under the database is full: SQLite's code for ENOSPC, PostgreSQL's disk_full. */
const FULL_CODES = new Set(['SQLITE_FULL', '53100']);

/**
 * The database takes reads and refuses writes: a file or mount without write permission (SQLite opens it
 * read-only), a moved or deleted file, a PostgreSQL standby.
 */
const isReadOnly = (code: string): boolean => code.startsWith('SQLITE_READONLY') || code === '25006';

/** pg's own words when a connection breaks or a pool cannot get one. */
const TRANSIENT_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout/;

const codeOf = (e: unknown): string => {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
};

/** A driver's error as the write it refuses for now (its disk is full, it is read-only); else undefined. */
export function writeFault(e: unknown): WaiverError | undefined {
  const code = codeOf(e);
  if (FULL_CODES.has(code))
    return new WaiverError(
      'storage_full',
      `the database's disk is full (${code}: ${messageOf(e)}); nothing was written: free space and try again`,
      'database',
      [],
      { cause: e },
    );
  if (isReadOnly(code))
    return new WaiverError(
      'unavailable',
      `the database is read-only (${code}: ${messageOf(e)}); nothing was written: it takes writes again once its file, folder or server is writable`,
      'database',
      [],
      { cause: e },
    );
  return undefined;
}

export function isOutage(e: unknown): boolean {
  if (e instanceof WaiverError) return false;
  return TRANSIENT_CODES.has(codeOf(e)) || TRANSIENT_MESSAGES.test(messageOf(e));
}

function translate(e: unknown): Error {
  const fault = writeFault(e);
  if (fault) return fault;
  if (isOutage(e))
    return new WaiverError('unavailable', `the database does not answer: ${messageOf(e)}`, 'database', [], {
      cause: e,
    });
  return e instanceof Error ? e : new Error(messageOf(e));
}

/**
 * The store as its callers see it: an outage of the database is the typed `unavailable` (503 with
 * Retry-After over HTTP), a full disk `storage_full` (507), a read-only database `unavailable` naming
 * it, not bugs; the driver's own error rides along as the cause, for the log. Every other error passes
 * unchanged.
 */
export function reportingOutages<T extends object>(store: T): T {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        try {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise
            ? result.catch((e: unknown) => Promise.reject(translate(e)))
            : result;
        } catch (e) {
          throw translate(e);
        }
      };
    },
  });
}
