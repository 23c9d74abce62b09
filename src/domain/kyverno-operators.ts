import { wildcardMatch } from './wildcard.js';

/**
 * Kyverno's condition operators (pkg/engine/variables/operator, read at v1.19), typed as Kyverno types
 * them: a boolean equals only a boolean, a string matches a string as a wildcard pattern, durations and
 * quantities compare by value. `unknown` where this file does not model the operator (semver, ranges,
 * the deprecated In/NotIn/Duration*): never a guess.
 */
export type OperatorResult = boolean | 'unknown';

/** The operators the PolicyException CRD accepts. */
export const CONDITION_OPERATORS = [
  'Equals',
  'NotEquals',
  'AnyIn',
  'AllIn',
  'AnyNotIn',
  'AllNotIn',
  'GreaterThan',
  'GreaterThanOrEquals',
  'LessThan',
  'LessThanOrEquals',
  'DurationGreaterThanOrEquals',
  'DurationGreaterThan',
  'DurationLessThanOrEquals',
  'DurationLessThan',
  'In',
  'NotIn',
  'Equal',
  'NotEqual',
] as const;

const GO_DURATION = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$/;
const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Go's time.ParseDuration, in seconds; undefined when the text is not a duration or is zero. */
function durationSeconds(text: string): number | undefined {
  if (!GO_DURATION.test(text)) return undefined;
  const sign = text.startsWith('-') ? -1 : 1;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g))
    total += Number(amount) * (UNIT_SECONDS[unit ?? 's'] ?? 1);
  return total === 0 ? undefined : sign * total;
}

/** Kyverno's parseDuration: one side is a non-zero duration string, the other a duration or seconds. */
function durations(key: unknown, value: unknown): [number, number] | undefined {
  const asDuration = (v: unknown) => (typeof v === 'string' ? durationSeconds(v) : undefined);
  const k = asDuration(key);
  const v = asDuration(value);
  if (k === undefined && v === undefined) return undefined;
  const orSeconds = (d: number | undefined, raw: unknown) => d ?? (typeof raw === 'number' ? raw : undefined);
  const ks = orSeconds(k, key);
  const vs = orSeconds(v, value);
  return ks === undefined || vs === undefined ? undefined : [ks, vs];
}

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes resource quantity's value, or undefined when the text is not one. */
function quantity(text: string): number | undefined {
  const parts = QUANTITY.exec(text);
  if (!parts) return undefined;
  const [, number, suffix] = parts;
  if (suffix === undefined) return Number(number);
  if (/^[eE]/.test(suffix)) return Number(`${number}${suffix}`);
  return Number(number) * (SUFFIX[suffix] ?? 1);
}

const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const goText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const parseNumber = (s: string) =>
  /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s.trim()) ? Number(s) : undefined;

function equals(key: unknown, value: unknown): boolean {
  if (typeof key === 'boolean') return value === key;
  if (typeof key === 'number') {
    if (typeof value === 'number') return value === key;
    return typeof value === 'string' && parseNumber(value) === key;
  }
  if (typeof key === 'string') {
    const d = durations(key, value);
    if (d) return d[0] === d[1];
    const q = quantity(key);
    if (q !== undefined && typeof value === 'string') return quantity(value) === q;
    return typeof value === 'string' && wildcardMatch(value, key);
  }
  if (key && typeof key === 'object') return JSON.stringify(key) === JSON.stringify(value);
  return false;
}

/** The value side of an In-family operator: a list, one string, or a JSON array in a string. */
function valueList(value: unknown): string[] | 'invalid' | 'range' {
  if (Array.isArray(value)) return value.map(goText);
  if (typeof value === 'number') return [goText(value)];
  if (typeof value !== 'string') return 'invalid';
  if (/^-?\d+(\.\d+)?!?-(-?\d+(\.\d+)?)$/.test(value)) return 'range';
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed.every((p) => typeof p === 'string') ? parsed : 'invalid';
  } catch {
    // not JSON: the string is the one value
  }
  return [value];
}

const matchesEither = (a: string, b: string) => wildcardMatch(a, b) || wildcardMatch(b, a);

function membership(operator: 'AnyIn' | 'AllIn' | 'AnyNotIn' | 'AllNotIn', key: unknown, value: unknown) {
  const keys = Array.isArray(key)
    ? key.map(goText)
    : key !== null && typeof key !== 'object'
      ? [goText(key)]
      : undefined;
  if (!keys) return false;
  const values = valueList(value);
  if (values === 'range') return 'unknown';
  if (values === 'invalid') return false;
  const present = keys.map((k) => values.some((v) => matchesEither(k, v)));
  if (operator === 'AnyIn') return present.includes(true);
  if (operator === 'AllIn') return keys.length > 0 && present.every(Boolean);
  if (operator === 'AnyNotIn') return present.includes(false);
  return keys.length > 0 && !present.includes(true);
}

function compare(operator: string, key: unknown, value: unknown): OperatorResult {
  const order = (k: number, v: number) =>
    operator === 'GreaterThan'
      ? k > v
      : operator === 'GreaterThanOrEquals'
        ? k >= v
        : operator === 'LessThan'
          ? k < v
          : k <= v;
  const d = durations(key, value);
  if (d) return order(d[0], d[1]);
  const asNumber = (v: unknown) =>
    typeof v === 'number' ? v : typeof v === 'string' ? (quantity(v) ?? parseNumber(v)) : undefined;
  const k = asNumber(key);
  const v = asNumber(value);
  if (k !== undefined && v !== undefined) return order(k, v);
  if (typeof key === 'string' && SEMVER.test(key)) return 'unknown';
  return false;
}

/** One condition's operator applied to its substituted key and value. */
export function applyOperator(operator: string, key: unknown, value: unknown): OperatorResult {
  switch (operator) {
    case 'Equals':
    case 'Equal':
      return equals(key, value);
    case 'NotEquals':
    case 'NotEqual':
      return !equals(key, value);
    case 'AnyIn':
    case 'AllIn':
    case 'AnyNotIn':
    case 'AllNotIn':
      return membership(operator, key, value);
    case 'GreaterThan':
    case 'GreaterThanOrEquals':
    case 'LessThan':
    case 'LessThanOrEquals':
      return compare(operator, key, value);
    default:
      return 'unknown';
  }
}
