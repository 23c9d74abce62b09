import type { z } from 'zod';
import type { Issue } from './issue.js';

/**
 * Validation in the words of a person: each problem names its field and the rule it breaks ("must be at
 * most 300 characters", "'foo' is not one of requester, approver, …", "unknown field (did you mean
 * maxDays?)"), never zod's own wording ("Invalid option: expected one of …", "Unrecognized key").
 * A schema's own message (a regex's "must be a DNS-1123 label") is kept: it is already a rule in words.
 */

/** zod's codes: how input failed its shape. A rule of the process has a name of its own (`expiry-max`). */
export const validationCodes: ReadonlySet<string> = new Set([
  'invalid_type',
  'too_big',
  'too_small',
  'invalid_format',
  'not_multiple_of',
  'unrecognized_keys',
  'invalid_union',
  'invalid_key',
  'invalid_element',
  'invalid_value',
  'custom',
]);

/** The wording of a missing value; read as "--reason is required". */
export const REQUIRED = 'is required';

const expectedNames: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'a mapping (field: value)',
  record: 'a mapping (field: value)',
  map: 'a mapping (field: value)',
  set: 'a list',
  date: 'an instant',
  null: 'null',
};

/** A value as a reader would recognise it in their input. */
export function shown(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'nothing';
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'a list' : 'a mapping';
    default:
      return typeof value;
  }
}

const received = (value: unknown): string =>
  typeof value === 'string' ? `text ${shown(value)}` : typeof value === 'number' ? `${value}` : shown(value);

const formats: Record<string, string> = {
  url: 'a URL (https://…)',
  email: 'an e-mail address',
  datetime: 'an RFC3339 instant (2026-12-31T00:00:00Z)',
  date: 'a date (2026-12-31)',
  uuid: 'a UUID',
  regex: 'in the expected form',
};

const plural = (n: number | bigint, one: string, many = `${one}s`): string =>
  `${n} ${Number(n) === 1 ? one : many}`;

function sizeRule(issue: z.core.$ZodRawIssue & { code: 'too_small' | 'too_big' }): string {
  const least = issue.code === 'too_small';
  const limit = least ? issue.minimum : issue.maximum;
  const bound = least
    ? issue.inclusive
      ? 'at least'
      : 'more than'
    : issue.inclusive
      ? 'at most'
      : 'less than';
  switch (issue.origin) {
    case 'string':
      return least && Number(limit) === 1
        ? 'must not be empty'
        : `must be ${bound} ${plural(limit, 'character')}`;
    case 'array':
    case 'set':
      return least && Number(limit) === 1
        ? 'must not be empty: give at least one'
        : `must have ${bound} ${plural(limit, 'entry', 'entries')}`;
    default:
      return `must be ${bound} ${String(limit)}`;
  }
}

/** The closest of `known` to a mistyped `name`, when it is close enough to be the one meant. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  return best.distance <= Math.max(1, Math.floor(Math.min(name.length, best.candidate.length) / 3))
    ? best.candidate
    : undefined;
}

/** Levenshtein distance, with a swap of two neighbours counting one (the commonest typo). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[a.length]![b.length]!;
}

/** The fields an object schema takes, for the did-you-mean of an unknown one. */
const fieldsOf = (schema: unknown): string[] => {
  const shape = (schema as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def
    ?.shape;
  return shape ? Object.keys(shape) : [];
};

/** "unknown field", with the field meant when one is close, or the few there are. */
export function unknownField(key: string, known: readonly string[], where?: string): string {
  const meant = closest(key, known);
  const hint = meant
    ? ` (did you mean ${meant}?)`
    : known.length > 0 && known.length <= 8
      ? ` (known: ${known.join(', ')})`
      : '';
  return `unknown field${where ? ` in ${where}` : ''}${hint}`;
}

/**
 * Text that YAML read as a boolean or a number: a plain `yes`, `off` or `1_000` in a manifest (kubectl's
 * YAML 1.1), `true` or `42` anywhere. Quoting is the fix.
 */
const quoteHint = (issue: { expected: string; input?: unknown }): string =>
  issue.expected === 'string' && (typeof issue.input === 'boolean' || typeof issue.input === 'number')
    ? ' (YAML reads a plain yes, no, on, off, true or number so: quote it)'
    : '';

/** zod's default message for one issue, in words; a schema's own message wins over this one. */
function wording(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return REQUIRED;
      // Text a coercing schema could not read as a number arrives as NaN, which the reader never typed.
      if (Number.isNaN(issue.input)) return `must be ${expectedNames[issue.expected] ?? issue.expected}`;
      return `must be ${expectedNames[issue.expected] ?? issue.expected}, not ${received(issue.input)}${quoteHint(issue)}`;
    case 'too_small':
    case 'too_big':
      return sizeRule(issue);
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern
        ? `must match ${issue.pattern}`
        : `must be ${formats[issue.format] ?? `a valid ${issue.format}`}`;
    case 'invalid_value': {
      if (issue.input === undefined) return REQUIRED;
      const values = issue.values.map((v) => (typeof v === 'string' ? v : String(v)));
      if (values.length === 1) return `must be ${values[0] ?? ''}`;
      return `${shown(issue.input)} is not one of ${values.join(', ')}`;
    }
    case 'invalid_union': {
      const note = issue as { discriminator?: string; options?: unknown[] };
      if (note.discriminator && note.options) {
        const value = (issue.input as Record<string, unknown> | undefined)?.[note.discriminator];
        return value === undefined
          ? REQUIRED
          : `${shown(value)} is not one of ${note.options.map(String).join(', ')}`;
      }
      return 'matches none of the forms it may take';
    }
    case 'invalid_key':
      return `has a key that is not allowed: ${shown(issue.input)}`;
    case 'invalid_element':
      return `has an entry that is not allowed: ${shown(issue.input)}`;
    case 'unrecognized_keys':
      return unknownField(issue.keys[0] ?? '', fieldsOf(issue.inst));
    case 'custom':
      return 'is not valid here';
    default:
      return undefined;
  }
}

/** A map's key that breaks its rule says which rule ("must be a DNS-1123 label"), not "Invalid key". */
const innerMessage = (issue: z.core.$ZodIssue): string | undefined =>
  issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;

export type Checked<T> = { ok: true; data: T } | { ok: false; issues: Issue[] };

/**
 * Validates `value`; every problem is one issue naming its field (`roles`, `notifications.slack`), or, for
 * an unknown field, the field itself. `source` (a file) is said in each message.
 */
export function check<S extends z.ZodType>(
  schema: S,
  value: unknown,
  source?: string,
  /**
   * The schema is used once in this process (a configuration file): zod's fast path would compile a parser
   * for each object in it first (`new Function`), which costs a cold command more than it saves.
   */
  once = false,
): Checked<z.output<S>> {
  // Valid input takes zod's fast path; only a refusal is parsed again, to be worded.
  const valid = schema.safeParse(value, once ? { jitless: true } : undefined);
  if (valid.success) return { ok: true, data: valid.data };
  const known = new Map<string, string[]>();
  const result = schema.safeParse(value, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') known.set((issue.path ?? []).join('.'), fieldsOf(issue.inst));
      return wording(issue);
    },
  });
  if (result.success) return { ok: true, data: result.data };
  const at = (path: readonly PropertyKey[]): string => path.map(String).join('.');
  const issues = result.error.issues.flatMap((i): Issue[] => {
    const fields = known.get(at(i.path));
    // One issue a key, named by it; unless the schema says in its own words what belongs there.
    if (i.code === 'unrecognized_keys' && fields && i.message === unknownField(i.keys[0] ?? '', fields))
      return i.keys.map((key) => ({
        code: i.code,
        field: at([...i.path, key]),
        message: unknownField(key, fields, source),
      }));
    const message = innerMessage(i) ?? i.message;
    // A value of a list that is not one of the allowed ones is named by the list: the message shows it.
    const path =
      i.code === 'invalid_value' && typeof i.path.at(-1) === 'number' ? i.path.slice(0, -1) : i.path;
    const field = at(path) || (source ?? 'input');
    return [
      { code: i.code, field, message: source && field !== source ? `${message} (in ${source})` : message },
    ];
  });
  return { ok: false, issues };
}

/**
 * One issue as one line: `reason is required`, `roles: 'foo' is not one of …`, and a rule of the process
 * with its name: `expires: an emergency-hotfix exception lasts at most 7 days [expiry-max]`. `field` is
 * how the reader's side names it (a flag, say).
 */
export function issueText(issue: Issue, field = issue.field): string {
  const text = issue.message.startsWith('is ') ? `${field} ${issue.message}` : `${field}: ${issue.message}`;
  return validationCodes.has(issue.code) ? text : `${text} [${issue.code}]`;
}
