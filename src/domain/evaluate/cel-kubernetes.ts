import { Environment } from '@marcbachmann/cel-js';
import { compareQuantities, parseQuantity, type Quantity as Parsed } from './pattern-value.js';

/**
 * A CEL environment with the Kubernetes CEL libraries Kyverno's ValidatingPolicy expressions use
 * (https://kubernetes.io/docs/reference/using-api/cel/): the extended strings and lists, regex, URLs and
 * quantities, on top of the standard functions and macros `@marcbachmann/cel-js` has (`has()`, `all`,
 * `exists`, `exists_one`, `map`, `filter`, `matches`, `startsWith`, optional `?.`).
 *
 * Regular expressions: CEL's are RE2; JavaScript's agree on the patterns policies write. What RE2 refuses
 * (lookarounds, backreferences) is an error here too, and a leading `(?i)`/`(?s)`/`(?m)` becomes a flag.
 */
export class KubernetesQuantity {
  constructor(
    readonly text: string,
    readonly value: Parsed,
  ) {}
}

export class KubernetesUrl {
  constructor(readonly url: URL) {}
}

class CelFunctionError extends Error {}

const regexCache = new Map<string, RegExp>();

export function re2(pattern: string, global = false): RegExp {
  const key = `${global ? 'g' : ''}\n${pattern}`;
  const cached = regexCache.get(key);
  if (cached) return cached;
  if (/\(\?[=!<]|\\[1-9]/.test(pattern)) throw new CelFunctionError(`invalid RE2 pattern: ${pattern}`);
  let flags = global ? 'gu' : 'u';
  let body = pattern;
  const inline = /^\(\?([ims]+)\)/.exec(body);
  if (inline) {
    flags += inline[1] ?? '';
    body = body.slice(inline[0].length);
  }
  let compiled: RegExp;
  try {
    compiled = new RegExp(body, flags);
  } catch {
    try {
      compiled = new RegExp(body, flags.replace('u', ''));
    } catch (e) {
      throw new CelFunctionError(
        `invalid regular expression ${pattern}: ${e instanceof Error ? e.message : ''}`,
      );
    }
  }
  if (regexCache.size > 1000) regexCache.clear();
  regexCache.set(key, compiled);
  return compiled;
}

const int = (n: number | bigint): bigint => BigInt(n);
const num = (n: bigint | number): number => Number(n);

function quantity(text: string): KubernetesQuantity {
  const value = parseQuantity(text);
  if (!value) throw new CelFunctionError(`quantities must match the regular expression: ${text}`);
  return new KubernetesQuantity(text, value);
}

/** A quantity as an exact rational numerator over 10^k 2^j: enough for add and sub. */
function addQuantities(a: Parsed, b: Parsed, sign: 1n | -1n): Parsed {
  const e10 = Math.min(a.e10, b.e10);
  const e2 = Math.min(a.e2, b.e2);
  const scale = (q: Parsed) => q.mantissa * 10n ** BigInt(q.e10 - e10) * 2n ** BigInt(q.e2 - e2);
  return { mantissa: scale(a) + sign * scale(b), e10, e2 };
}

/** The quantity's value as an exact fraction numerator/denominator. */
function fraction(q: Parsed): [bigint, bigint] {
  let n = q.mantissa;
  let d = 1n;
  if (q.e10 >= 0) n *= 10n ** BigInt(q.e10);
  else d *= 10n ** BigInt(-q.e10);
  if (q.e2 >= 0) n *= 2n ** BigInt(q.e2);
  else d *= 2n ** BigInt(-q.e2);
  return [n, d];
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function asInteger(q: Parsed): bigint {
  const [n, d] = fraction(q);
  if (n % d !== 0n) throw new CelFunctionError('cannot convert value to integer');
  const v = n / d;
  if (v > INT64_MAX || v < INT64_MIN) throw new CelFunctionError('cannot convert value to integer');
  return v;
}

const isInteger = (q: Parsed): boolean => {
  const [n, d] = fraction(q);
  if (n % d !== 0n) return false;
  const v = n / d;
  return v <= INT64_MAX && v >= INT64_MIN;
};

const fromInt = (n: bigint): Parsed => ({ mantissa: n, e10: 0, e2: 0 });

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint'))
    return Math.sign(Number(a) - Number(b));
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new CelFunctionError('no such overload: list elements are not comparable');
}

const deepEqual = (a: unknown, b: unknown): boolean =>
  a === b ||
  ((typeof a === 'bigint' || typeof a === 'number') &&
    (typeof b === 'bigint' || typeof b === 'number') &&
    Number(a) === Number(b)) ||
  (typeof a === 'object' &&
    a !== null &&
    typeof b === 'object' &&
    b !== null &&
    JSON.stringify(a, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)) ===
      JSON.stringify(b, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));

function parseUrl(text: string): KubernetesUrl {
  // Kubernetes' url() takes an absolute URI or an absolute path.
  try {
    if (text.startsWith('/')) return new KubernetesUrl(new URL(text, 'relative:///'));
    return new KubernetesUrl(new URL(text));
  } catch {
    throw new CelFunctionError(`URL parse error during conversion from string: ${text}`);
  }
}

const isRelative = (u: URL) => u.protocol === 'relative:';

function buildEnvironment(): Environment {
  const env = new Environment({
    unlistedVariablesAreDyn: true,
    enableOptionalTypes: true,
    homogeneousAggregateLiterals: false,
  });
  // A function the library already has keeps the library's definition.
  const define = (signature: string, handler: (...args: never[]) => unknown) => {
    try {
      env.registerFunction(signature, handler);
    } catch {
      // built in
    }
    return chain;
  };
  const chain = { registerFunction: define };
  env.registerType('Quantity', KubernetesQuantity).registerType('URL', KubernetesUrl);
  chain
    // Standard CEL's global form, which the library lacks.
    .registerFunction('matches(string, string): bool', (s: string, r: string) => re2(r).test(s))
    // Strings (cel-go ext strings, as Kubernetes enables them).
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      const chars = [...s];
      if (i < 0n || i > int(chars.length)) throw new CelFunctionError(`index out of range: ${i}`);
      return chars[num(i)] ?? '';
    })
    .registerFunction('string.replace(string, string): string', (s: string, a: string, b: string) =>
      s.split(a).join(b),
    )
    .registerFunction(
      'string.replace(string, string, int): string',
      (s: string, a: string, b: string, n: bigint) => {
        if (n < 0n) return s.split(a).join(b);
        let out = s;
        let from = 0;
        for (let k = 0n; k < n; k++) {
          const at = out.indexOf(a, from);
          if (at < 0) break;
          out = out.slice(0, at) + b + out.slice(at + a.length);
          from = at + b.length;
        }
        return out;
      },
    )
    .registerFunction('string.split(string, int): list<string>', (s: string, sep: string, n: bigint) => {
      if (n === 0n) return [];
      const parts = s.split(sep);
      if (n < 0n || int(parts.length) <= n) return parts;
      const head = parts.slice(0, num(n) - 1);
      return [...head, parts.slice(num(n) - 1).join(sep)];
    })
    .registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''))
    // Regex (Kubernetes library).
    .registerFunction('string.find(string): string', (s: string, r: string) => re2(r).exec(s)?.[0] ?? '')
    .registerFunction('string.findAll(string): list<string>', (s: string, r: string) =>
      [...s.matchAll(re2(r, true))].map((m) => m[0]),
    )
    .registerFunction('string.findAll(string, int): list<string>', (s: string, r: string, n: bigint) => {
      const all = [...s.matchAll(re2(r, true))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, num(n));
    })
    // Lists (Kubernetes library and cel-go ext lists).
    .registerFunction('list.isSorted(): bool', (l: unknown[]) =>
      l.every((x, i) => i === 0 || compareValues(l[i - 1], x) <= 0),
    )
    .registerFunction('list.sum(): dyn', (l: unknown[]) => {
      if (!l.length) return 0n;
      if (l.every((x) => typeof x === 'bigint')) return l.reduce((a, b) => a + b, 0n);
      return l.reduce((a: number, b) => a + Number(b), 0);
    })
    .registerFunction('list.min(): dyn', (l: unknown[]) => {
      if (!l.length) throw new CelFunctionError('min called on empty list');
      return l.reduce((a, b) => (compareValues(b, a) < 0 ? b : a));
    })
    .registerFunction('list.max(): dyn', (l: unknown[]) => {
      if (!l.length) throw new CelFunctionError('max called on empty list');
      return l.reduce((a, b) => (compareValues(b, a) > 0 ? b : a));
    })
    .registerFunction('list.indexOf(dyn): int', (l: unknown[], x: unknown) =>
      int(l.findIndex((y) => deepEqual(x, y))),
    )
    .registerFunction('list.lastIndexOf(dyn): int', (l: unknown[], x: unknown) => {
      for (let i = l.length - 1; i >= 0; i--) if (deepEqual(x, l[i])) return int(i);
      return -1n;
    })
    .registerFunction('list.slice(int, int): list', (l: unknown[], a: bigint, b: bigint) => {
      if (a < 0n || b < a || b > int(l.length)) throw new CelFunctionError(`invalid slice [${a}:${b}]`);
      return l.slice(num(a), num(b));
    })
    .registerFunction('list.flatten(): list', (l: unknown[]) =>
      l.flatMap((x) => (Array.isArray(x) ? (x as unknown[]) : [x])),
    )
    .registerFunction('list.distinct(): list', (l: unknown[]) =>
      l.filter((x, i) => l.findIndex((y) => deepEqual(x, y)) === i),
    )
    .registerFunction('list.reverse(): list', (l: unknown[]) => [...l].reverse())
    .registerFunction('list.sort(): list', (l: unknown[]) => [...l].sort(compareValues))
    // URLs (Kubernetes library).
    .registerFunction('url(string): URL', parseUrl)
    .registerFunction('isURL(string): bool', (s: string) => {
      try {
        parseUrl(s);
        return true;
      } catch {
        return false;
      }
    })
    .registerFunction('URL.getScheme(): string', (u: KubernetesUrl) =>
      isRelative(u.url) ? '' : u.url.protocol.replace(/:$/, ''),
    )
    .registerFunction('URL.getHost(): string', (u: KubernetesUrl) => (isRelative(u.url) ? '' : u.url.host))
    .registerFunction('URL.getHostname(): string', (u: KubernetesUrl) =>
      isRelative(u.url) ? '' : u.url.hostname.replace(/^\[(.*)\]$/, '$1'),
    )
    .registerFunction('URL.getPort(): string', (u: KubernetesUrl) => (isRelative(u.url) ? '' : u.url.port))
    .registerFunction('URL.getEscapedPath(): string', (u: KubernetesUrl) => u.url.pathname)
    .registerFunction('URL.getQuery(): map', (u: KubernetesUrl) => {
      const out: Record<string, string[]> = {};
      for (const [k, v] of u.url.searchParams) (out[k] ??= []).push(v);
      return out;
    })
    // Quantities (Kubernetes library).
    .registerFunction('quantity(string): Quantity', quantity)
    .registerFunction('isQuantity(string): bool', (s: string) => parseQuantity(s) !== undefined)
    .registerFunction('Quantity.sign(): int', (q: KubernetesQuantity) =>
      q.value.mantissa > 0n ? 1n : q.value.mantissa < 0n ? -1n : 0n,
    )
    .registerFunction('Quantity.isInteger(): bool', (q: KubernetesQuantity) => isInteger(q.value))
    .registerFunction('Quantity.asInteger(): int', (q: KubernetesQuantity) => asInteger(q.value))
    .registerFunction('Quantity.asApproximateFloat(): double', (q: KubernetesQuantity) => {
      const [n, d] = fraction(q.value);
      return Number(n) / Number(d);
    })
    .registerFunction(
      'Quantity.isGreaterThan(Quantity): bool',
      (a: KubernetesQuantity, b: KubernetesQuantity) => compareQuantities(a.value, b.value) > 0,
    )
    .registerFunction(
      'Quantity.isLessThan(Quantity): bool',
      (a: KubernetesQuantity, b: KubernetesQuantity) => compareQuantities(a.value, b.value) < 0,
    )
    .registerFunction('Quantity.compareTo(Quantity): int', (a: KubernetesQuantity, b: KubernetesQuantity) =>
      int(compareQuantities(a.value, b.value)),
    )
    .registerFunction(
      'Quantity.add(Quantity): Quantity',
      (a: KubernetesQuantity, b: KubernetesQuantity) =>
        new KubernetesQuantity('', addQuantities(a.value, b.value, 1n)),
    )
    .registerFunction(
      'Quantity.add(int): Quantity',
      (a: KubernetesQuantity, b: bigint) =>
        new KubernetesQuantity('', addQuantities(a.value, fromInt(b), 1n)),
    )
    .registerFunction(
      'Quantity.sub(Quantity): Quantity',
      (a: KubernetesQuantity, b: KubernetesQuantity) =>
        new KubernetesQuantity('', addQuantities(a.value, b.value, -1n)),
    )
    .registerFunction(
      'Quantity.sub(int): Quantity',
      (a: KubernetesQuantity, b: bigint) =>
        new KubernetesQuantity('', addQuantities(a.value, fromInt(b), -1n)),
    );
  return env;
}

let shared: Environment | undefined;

/** One environment for the process: registering the library is the costly part, evaluation is not. */
export function kubernetesCel(): Environment {
  shared ??= buildEnvironment();
  return shared;
}

/**
 * A Kubernetes object as CEL sees it: JSON integers are CEL ints (BigInt here), other numbers doubles.
 * Converted copies are cached per object, since one object is read by many policies.
 */
const converted = new WeakMap<object, unknown>();

export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  const cached = converted.get(value);
  if (cached !== undefined) return cached;
  const out: unknown = Array.isArray(value)
    ? value.map(toCel)
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  converted.set(value, out);
  return out;
}
