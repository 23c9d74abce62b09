import { wildcardMatch } from '../wildcard.js';

/**
 * One scalar of a validate pattern against one value of the resource, as Kyverno's pkg/engine/pattern
 * (read at main, 2026-08) decides: `a | b` or, `a & b` and, `>`, `>=`, `<`, `<=`, `!`, ranges `a-b` and
 * `a!-b`, durations first, then quantities, then the wildcard string match.
 *
 * Numbers: Kyverno decodes a pattern's numbers as float64 and a resource's integers as int64, so an
 * integral number of the resource is an integer here and any other a float.
 */
export function validateValue(value: unknown, pattern: unknown): boolean {
  if (typeof pattern === 'boolean') return typeof value === 'boolean' && value === pattern;
  if (typeof pattern === 'number') return floatPattern(value, pattern);
  if (pattern === null || pattern === undefined) return nilPattern(value);
  if (typeof pattern === 'string') return stringPatterns(value, pattern);
  if (Array.isArray(pattern)) return false;
  if (typeof pattern === 'object') return isMap(value);
  return false;
}

const isMap = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's strconv.ParseFloat for the decimal forms YAML writes (and Inf/NaN). */
function parseGoFloat(text: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return undefined;
}

function floatPattern(value: unknown, pattern: number): boolean {
  if (typeof value === 'number') return value === pattern;
  if (typeof value === 'string') {
    const parsed = parseGoFloat(value);
    return parsed !== undefined && parsed === pattern;
  }
  return false;
}

function nilPattern(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'number') return value === 0;
  if (typeof value === 'string') return value === '';
  if (typeof value === 'boolean') return !value;
  return false;
}

function stringPatterns(value: unknown, pattern: string): boolean {
  if (value === pattern) return true;
  return pattern.split('|').some((alternative) =>
    alternative
      .trim()
      .split('&')
      .every((condition) => stringPattern(value, condition.trim())),
  );
}

export type Operator = '' | '>=' | '<=' | '!' | '>' | '<' | '-' | '!-';

const IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;
const NOT_IN_RANGE = /^([-|+]?\d+(?:\.\d+)?[A-Za-z]*)!-([-|+]?\d+(?:\.\d+)?[A-Za-z]*)$/;

/** pkg/engine/operator: the first operator a pattern starts with; ranges only as the whole pattern. */
export function operatorOf(pattern: string): Operator {
  if (pattern.length < 2) return '';
  for (const op of ['>=', '<=', '>', '<', '!'] as const) if (pattern.startsWith(op)) return op;
  if (NOT_IN_RANGE.test(pattern)) return '!-';
  if (IN_RANGE.test(pattern)) return '-';
  return '';
}

export function stringPattern(value: unknown, pattern: string): boolean {
  const op = operatorOf(pattern);
  if (op === '-') {
    const m = IN_RANGE.exec(pattern);
    return !!m && stringPattern(value, `>= ${m[1] ?? ''}`) && stringPattern(value, `<= ${m[2] ?? ''}`);
  }
  if (op === '!-') {
    const m = NOT_IN_RANGE.exec(pattern);
    return !!m && (stringPattern(value, `< ${m[1] ?? ''}`) || stringPattern(value, `> ${m[2] ?? ''}`));
  }
  const operand = pattern.slice(op.length).trim();
  const duration = compareBy(parseGoDuration, value, operand, op);
  if (duration !== undefined) return duration;
  const quantity = compareQuantity(value, operand, op);
  if (quantity !== undefined) return quantity;
  return compareString(value, operand, op);
}

/** Kyverno's convertNumberToString: nil is "0", a float is printed with `%f`. */
function numberText(value: unknown): string | undefined {
  if (value === null || value === undefined) return '0';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(6);
  return undefined;
}

const ordered = (cmp: number, op: Operator): boolean | undefined => {
  switch (op) {
    case '':
      return cmp === 0;
    case '!':
      return cmp !== 0;
    case '>':
      return cmp > 0;
    case '<':
      return cmp < 0;
    case '>=':
      return cmp >= 0;
    case '<=':
      return cmp <= 0;
    default:
      return undefined;
  }
};

function compareBy(
  parse: (s: string) => number | undefined,
  value: unknown,
  operand: string,
  op: Operator,
): boolean | undefined {
  const p = parse(operand);
  if (p === undefined) return undefined;
  const text = numberText(value);
  const v = text === undefined ? undefined : parse(text);
  if (v === undefined) return undefined;
  return ordered(Math.sign(v - p), op);
}

function compareQuantity(value: unknown, operand: string, op: Operator): boolean | undefined {
  const p = parseQuantity(operand);
  if (!p) return undefined;
  const text = numberText(value);
  const v = text === undefined ? undefined : parseQuantity(text);
  if (!v) return undefined;
  return ordered(compareQuantities(v, p), op);
}

/** Go's strconv.FormatFloat(v, 'E', -1, 64): the shortest digits, an exponent of at least two digits. */
function goFloatE(v: number): string {
  const [mantissa = '', exponent = '0'] = v.toExponential().toUpperCase().split('E');
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${mantissa}E${sign}${digits}`;
}

function compareString(value: unknown, operand: string, op: Operator): boolean {
  if (op !== '' && op !== '!') return false;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'boolean') text = String(value);
  else if (typeof value === 'number') text = Number.isInteger(value) ? String(value) : goFloatE(value);
  else return false;
  const matched = wildcardMatch(operand, text);
  return op === '!' ? !matched : matched;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's time.ParseDuration, in nanoseconds; "0" is the only unitless duration. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const m = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (const [, amount = '', unit = ''] of (m[2] ?? '').matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    total += Number(amount) * (DURATION_UNITS[unit] ?? 0);
  return m[1] === '-' ? -total : total;
}

/** A Kubernetes quantity held exactly: mantissa × 10^e10 × 2^e2. */
export interface Quantity {
  mantissa: bigint;
  e10: number;
  e2: number;
}

const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** k8s.io/apimachinery's ParseQuantity, exactly (no rounding). */
export function parseQuantity(text: string): Quantity | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const [, sign = '', number = '', suffix = ''] = m;
  const [whole = '', fraction = ''] = number.split('.');
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '') || '0';
  let e10 = -fraction.length;
  let e2 = 0;
  if (suffix in BINARY) e2 = BINARY[suffix] ?? 0;
  else if (suffix in DECIMAL) e10 += DECIMAL[suffix] ?? 0;
  else {
    const exponent = Number(suffix.slice(1));
    if (Math.abs(exponent) > 1000) return undefined;
    e10 += exponent;
  }
  const mantissa = BigInt(digits) * (sign === '-' ? -1n : 1n);
  return { mantissa, e10, e2 };
}

export function compareQuantities(a: Quantity, b: Quantity): number {
  const e10 = Math.min(a.e10, b.e10);
  const e2 = Math.min(a.e2, b.e2);
  const scale = (q: Quantity) => q.mantissa * 10n ** BigInt(q.e10 - e10) * 2n ** BigInt(q.e2 - e2);
  const x = scale(a);
  const y = scale(b);
  return x === y ? 0 : x > y ? 1 : -1;
}

/** pkg/engine/pattern validateString: an operand already split from its operator. */
export function validateString(value: unknown, operand: string, op: Operator): boolean {
  return (
    compareBy(parseGoDuration, value, operand, op) ??
    compareQuantity(value, operand, op) ??
    compareString(value, operand, op)
  );
}
