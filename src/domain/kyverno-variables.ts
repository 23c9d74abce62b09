import {
  registerFunction,
  search,
  TYPE_ANY,
  TYPE_NUMBER,
  TYPE_STRING,
  type JSONValue,
} from '@jmespath-community/jmespath';
import { parseRfc3339 } from './rfc3339.js';

/**
 * Kyverno's variable substitution for an exception's conditions (pkg/engine/variables, read at v1.19):
 * `{{ jmespath }}` is replaced innermost first until none is left; a string that is one variable takes the
 * variable's typed value, any other string gets the value spliced in as text.
 *
 * What this cannot judge comes back as `UNKNOWN`, never a guess: data the engine has and the caller did
 * not give (the operation, the old object, the user, images), and Kyverno functions not written here.
 */
export const UNKNOWN = Symbol('unknown');

export interface VariableScope {
  /** `request.object`: the resource under test. Without it, a reference to it is unknown. */
  object?: Readonly<Record<string, unknown>> | undefined;
  namespace?: string | undefined;
  /** The instant `time_now_utc()` returns. Without it, a time function is unknown. */
  nowMs?: number | undefined;
  /** A foreach's current `element` and `elementIndex`; without them a reference to either is unknown. */
  element?: unknown;
  elementIndex?: number | undefined;
  /** A rule's context variables already loaded, by name. */
  variables?: Readonly<Record<string, unknown>> | undefined;
}

/** Kyverno's variable pattern: a `{{…}}` holding no other `{{`, not preceded by a backslash. */
const VARIABLE = /(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})/;

/** Data a condition may read that covers is not given: the answer would be a guess. */
const UNGIVEN =
  /(^|[^.\w])(request\.(operation|oldObject|userInfo|roles|clusterRoles|dryRun|kind|name)|serviceAccountName|serviceAccountNamespace|images|target)\b/;
const ELEMENT = /(^|[^.\w])(element|elementIndex)\b/;

/** JMESPath's own functions (the specification's list), which need no help. */
const JMESPATH_FUNCTIONS = new Set([
  'abs',
  'avg',
  'ceil',
  'contains',
  'ends_with',
  'floor',
  'join',
  'keys',
  'length',
  'map',
  'max',
  'max_by',
  'merge',
  'min',
  'min_by',
  'not_null',
  'reverse',
  'sort',
  'sort_by',
  'starts_with',
  'sum',
  'to_array',
  'to_number',
  'to_string',
  'type',
  'values',
]);

/** The functions evaluated here: JMESPath's own and the Kyverno ones below; any other call is unknown. */
const known = new Set<string>(JMESPATH_FUNCTIONS);

/** Registers one of Kyverno's functions with the JMESPath library, and knows it. */
const kyverno: typeof registerFunction = (name, fn, signature) => {
  known.add(name);
  registerFunction(name, fn, signature, { override: true });
};

/** `time_now_utc()` is read while one search runs; searches are synchronous, so this cannot leak. */
let evaluationNowMs = 0;

/** Go's time.RFC3339 output: seconds, no fraction, `Z`. */
const formatRfc3339 = (ms: number) =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

function instant(value: JSONValue, position: string): number {
  const ms = typeof value === 'string' ? parseRfc3339(value) : undefined;
  if (ms === undefined) throw new KyvernoFunctionError(`${position} "${argText(value)}" is not RFC 3339`);
  return ms;
}

class KyvernoFunctionError extends Error {}

/** An argument the signature has already checked to be a string (or, for regex_match, any scalar). */
const argText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

const stringArg = { types: [TYPE_STRING] };
const anyArg = { types: [TYPE_ANY] };

kyverno('time_now_utc', () => formatRfc3339(evaluationNowMs), []);
kyverno('time_now', () => formatRfc3339(evaluationNowMs), []);
kyverno(
  'time_before',
  ([a, b]) =>
    instant(a as JSONValue, 'time_before: first argument') < instant(b as JSONValue, 'second argument'),
  [stringArg, stringArg],
);
kyverno(
  'time_after',
  ([a, b]) =>
    instant(a as JSONValue, 'time_after: first argument') > instant(b as JSONValue, 'second argument'),
  [stringArg, stringArg],
);
kyverno(
  'lookup',
  ([collection, key]) => {
    if (Array.isArray(collection) && typeof key === 'number') return collection[key] ?? null;
    if (collection && typeof collection === 'object' && !Array.isArray(collection) && typeof key === 'string')
      return (collection as Record<string, JSONValue>)[key] ?? null;
    throw new KyvernoFunctionError('lookup: an object with a string key, or an array with an index');
  },
  [anyArg, anyArg],
);
kyverno('to_upper', ([s]) => argText(s).toUpperCase(), [stringArg]);
kyverno('to_lower', ([s]) => argText(s).toLowerCase(), [stringArg]);
kyverno('equal_fold', ([a, b]) => argText(a).toLowerCase() === argText(b).toLowerCase(), [
  stringArg,
  stringArg,
]);
kyverno('truncate', ([s, n]) => argText(s).slice(0, Math.max(0, Number(n))), [
  stringArg,
  { types: [TYPE_NUMBER] },
]);
kyverno('split', ([s, sep]) => argText(s).split(argText(sep)), [stringArg, stringArg]);
kyverno(
  'regex_match',
  ([pattern, s]) => {
    // RE2 and JavaScript agree on the plain patterns exceptions use; lookarounds RE2 refuses are errors.
    if (/\(\?[=!<]/.test(argText(pattern)))
      throw new KyvernoFunctionError('regex_match: invalid RE2 pattern');
    return new RegExp(argText(pattern)).test(argText(s));
  },
  [stringArg, anyArg],
);

/** A name called as a function in an expression, outside quoted text. */
function calledFunctions(expression: string): string[] {
  const unquoted = expression.replace(/'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*"/g, '""');
  return [...unquoted.matchAll(/([A-Za-z_][\w]*)\s*\(/g)].map((m) => m[1] ?? '');
}

/** One JMESPath expression against the request, or UNKNOWN, or an Error (Kyverno skips the exception). */
function resolve(expression: string, scope: VariableScope): unknown {
  const text = expression.trim();
  // An expression that reads no request depends on the instant alone (the expiry condition): memoised,
  // since covers judges it once per resource and exception.
  const constant =
    !/(^|[^.\w])request\b/.test(text) && !ELEMENT.test(text) && !Object.keys(scope.variables ?? {}).length;
  const key = constant ? `${scope.nowMs ?? ''}\n${text}` : undefined;
  if (key !== undefined && constants.has(key)) return constants.get(key);
  const value = evaluate(text, scope);
  if (key !== undefined) {
    if (constants.size >= MAX_CONSTANTS) constants.clear();
    constants.set(key, value);
  }
  return value;
}

const constants = new Map<string, unknown>();
const MAX_CONSTANTS = 10_000;

function evaluate(text: string, scope: VariableScope): unknown {
  if (UNGIVEN.test(text)) return UNKNOWN;
  if (ELEMENT.test(text) && scope.element === undefined) return UNKNOWN;
  if (calledFunctions(text).some((f) => !known.has(f))) return UNKNOWN;
  if (/\btime_now(_utc)?\s*\(/.test(text) && scope.nowMs === undefined) return UNKNOWN;
  if (/(^|[^.\w])request\.object\b/.test(text) && scope.object === undefined) return UNKNOWN;
  const data = {
    ...scope.variables,
    request: { object: scope.object ?? null, namespace: scope.namespace ?? '' },
    ...(scope.element === undefined ? {} : { element: scope.element, elementIndex: scope.elementIndex ?? 0 }),
  };
  try {
    evaluationNowMs = scope.nowMs ?? 0;
    const value = search(data as unknown as JSONValue, text);
    // Kyverno's JMESPath reports a missing key as an error: `|| ''` is how conditions guard against it.
    if (value === null) return new Error(`${text} resolves to nothing`);
    return value;
  } catch (error) {
    return new Error(error instanceof Error ? error.message : argText(error));
  }
}

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/**
 * Substitutes every variable in a condition's key or value, recursively through lists and maps; returns
 * UNKNOWN or an Error as soon as one variable is either.
 */
export function substitute(value: unknown, scope: VariableScope): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => substitute(v, scope));
    return items.find((v) => v === UNKNOWN || v instanceof Error) ?? items;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => [k, substitute(v, scope)] as const);
    const stop = entries.find(([, v]) => v === UNKNOWN || v instanceof Error);
    return stop ? stop[1] : Object.fromEntries(entries);
  }
  if (typeof value !== 'string') return value;
  let text: unknown = value;
  for (let round = 0; typeof text === 'string' && round < 100; round++) {
    const found = VARIABLE.exec(text);
    if (!found) return text;
    const variable = found[2] ?? '';
    const start = found.index + (found[1]?.length ?? 0);
    const resolved = resolve(variable.slice(2, -2), scope);
    if (resolved === UNKNOWN || resolved instanceof Error) return resolved;
    text =
      variable === text
        ? resolved
        : text.slice(0, start) + asText(resolved) + text.slice(start + variable.length);
  }
  return typeof text === 'string' && VARIABLE.test(text) ? new Error('variables nest too deeply') : text;
}
