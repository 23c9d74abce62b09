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
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

/** pg's own words when a connection breaks or a pool cannot get one. */
const TRANSIENT_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

export function isOutage(e: unknown): boolean {
  if (e instanceof WaiverError) return false;
  const code = (e as { code?: unknown }).code;
  return (typeof code === 'string' && TRANSIENT_CODES.has(code)) || TRANSIENT_MESSAGES.test(messageOf(e));
}

function translate(e: unknown): Error {
  if (isOutage(e))
    return new WaiverError('unavailable', `the database does not answer: ${messageOf(e)}`, 'database');
  return e instanceof Error ? e : new Error(messageOf(e));
}

/**
 * The store as its callers see it: an outage of the database is the typed `unavailable` (503 with
 * Retry-After over HTTP), not a bug; every other error passes unchanged.
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
