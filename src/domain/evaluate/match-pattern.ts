import { wildcardMatch } from '../wildcard.js';
import { validateValue } from './pattern-value.js';

/**
 * Kyverno's validate pattern matching (pkg/engine/validate, pkg/engine/anchor, pkg/engine/wildcards,
 * read at main, 2026-08), written to give the same pass / skip / fail / error for the same input.
 *
 * Anchors in keys: `(k)` condition (a mismatch skips the enclosing map), `=(k)` equality (checked only
 * when the key is present), `^(k)` existence (one list element must match), `X(k)` negation (the key
 * must be absent), `<(k)` global (a mismatch skips the whole rule). `+(k)` is mutate-only: Kyverno
 * refuses a validate pattern holding it, and the engine would read it as a literal field name.
 */
export type PatternOutcome =
  | { status: 'pass' }
  | { status: 'skip'; message: string }
  | { status: 'fail'; message: string; path: string }
  /** Kyverno reports an error (a pattern mismatch where anchored keys were missing). */
  | { status: 'error'; message: string };

type Json = Record<string, unknown>;

/** Anchor kinds as pkg/engine/anchor names them; '' is the condition anchor. */
type AnchorType = '' | '<' | 'X' | '+' | '=' | '^';

interface Anchor {
  type: AnchorType;
  key: string;
}

const ANCHOR = /^([+<=X^])?\((.+)\)$/s;

/** Keys repeat across every resource a pattern is checked against: parsed once each. */
const parsedAnchors = new Map<string, Anchor | null>();

export function parseAnchor(text: string): Anchor | undefined {
  let parsed = parsedAnchors.get(text);
  if (parsed === undefined) {
    const m = ANCHOR.exec(text.trim());
    parsed = m ? { type: (m[1] ?? '') as AnchorType, key: m[2] ?? '' } : null;
    if (parsedAnchors.size > 10_000) parsedAnchors.clear();
    parsedAnchors.set(text, parsed);
  }
  return parsed ?? undefined;
}

const anchorText = (a: Anchor) => `${a.type}(${a.key})`;

/** Errors as the Go code tells them apart: anchor errors by type, any other by its message. */
type AnchorErrorKind = 'conditional' | 'global' | 'negation';
interface PatternErr {
  anchor?: AnchorErrorKind;
  /** A *PatternError: a skip carried up from a nested map. */
  wrapped?: boolean;
  message: string;
}

const ANCHOR_MESSAGES: Record<AnchorErrorKind, string> = {
  conditional: 'conditional anchor mismatch',
  global: 'global anchor mismatch',
  negation: 'negation anchor matched in resource',
};

const anchorError = (kind: AnchorErrorKind, message: string): PatternErr => ({
  anchor: kind,
  message: `${ANCHOR_MESSAGES[kind]}: ${message}`,
});

const isKind = (err: PatternErr, kind: AnchorErrorKind) =>
  err.anchor !== undefined ? err.anchor === kind : err.message.includes(ANCHOR_MESSAGES[kind]);

const isSkip = (err: PatternErr) => isKind(err, 'conditional') || isKind(err, 'global');

type Result = { path: string; err?: PatternErr };
const ok: Result = { path: '' };

const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's `%v` of a value, close enough for the messages (which decide nothing but anchor kinds). */
const show = (v: unknown): string =>
  v === null || v === undefined ? '<nil>' : typeof v === 'string' ? v : JSON.stringify(v);

/** Which resource keys were present for the condition, existence and negation anchors. */
class AnchorMap {
  private readonly seen = new Map<string, boolean>();

  check(pattern: Json, resource: unknown): void {
    for (const key of Object.keys(pattern)) {
      const a = parseAnchor(key);
      if (!a || !(a.type === '' || a.type === '^' || a.type === 'X')) continue;
      if (this.seen.get(key) === true) continue;
      if (!this.seen.has(key)) this.seen.set(key, false);
      if (hasKey(resource, a.key)) this.seen.set(key, true);
    }
  }

  keysAreMissing(): boolean {
    for (const [key, present] of this.seen) if (!present && parseAnchor(key)?.type !== 'X') return true;
    return false;
  }
}

function hasKey(resource: unknown, key: string): boolean {
  if (isMap(resource)) return key in resource;
  if (Array.isArray(resource)) return resource.some((r) => hasKey(r, key));
  return false;
}

/** MatchPattern: the resource against one pattern. */
export function matchPattern(resource: unknown, pattern: unknown): PatternOutcome {
  const ac = new AnchorMap();
  const { path, err } = element(resource, pattern, '/', ac);
  if (!err) return { status: 'pass' };
  if (isSkip(err)) return { status: 'skip', message: err.message };
  if (isKind(err, 'negation')) return { status: 'fail', message: err.message, path };
  if (ac.keysAreMissing()) return { status: 'error', message: err.message };
  return path === ''
    ? { status: 'error', message: err.message }
    : { status: 'fail', message: err.message, path };
}

function element(resource: unknown, pattern: unknown, path: string, ac: AnchorMap): Result {
  if (isMap(pattern)) {
    if (!isMap(resource))
      return {
        path,
        err: { message: `pattern and resource have different structures. Path: ${path}` },
      };
    ac.check(pattern, resource);
    return validateMap(resource, pattern, path, ac);
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(resource))
      return {
        path,
        err: {
          message: `validation rule failed at path ${path}, resource does not satisfy the expected overlay pattern`,
        },
      };
    return validateArray(resource, pattern, path, ac);
  }
  const mismatch = (): Result => ({
    path,
    err: { message: `resource value '${show(resource)}' does not match '${show(pattern)}' at path ${path}` },
  });
  if (Array.isArray(resource)) {
    for (const item of resource) if (!validateValue(item, pattern)) return mismatch();
    return ok;
  }
  return validateValue(resource, pattern) ? ok : mismatch();
}

const isAnchorKey = (a: Anchor | undefined) =>
  !!a && (a.type === '' || a.type === '^' || a.type === '=' || a.type === 'X');

/** Go's sort.Strings: byte order, which for UTF-16 code units differs only outside the BMP. */
const goSorted = (keys: readonly string[]) => [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

function validateMap(resource: Json, rawPattern: Json, path: string, ac: AnchorMap): Result {
  const pattern = expandInMetadata(rawPattern, resource);
  const anchors = goSorted(Object.keys(pattern).filter((k) => isAnchorKey(parseAnchor(k))));
  const plain = Object.keys(pattern).filter((k) => !isAnchorKey(parseAnchor(k)));

  const skipErrors: PatternErr[] = [];
  let applied = 0;
  const directSkip = () => skipErrors.some((e) => !e.wrapped);
  for (const key of anchors) {
    const r = handle(key, pattern[key], resource, path, ac);
    if (r.err) {
      if (isSkip(r.err)) {
        skipErrors.push(r.err);
        continue;
      }
      if (!directSkip()) return r;
      continue;
    }
    applied++;
  }
  if (skipErrors.length && (applied === 0 || directSkip()))
    return { path, err: { wrapped: true, message: skipErrors.map((e) => e.message).join('; ') } };

  for (const key of nestedAnchorsFirst(plain, pattern)) {
    const r = handle(key, pattern[key], resource, path, ac);
    if (r.err) return r;
  }
  return ok;
}

const nestedAnchors = new WeakMap<object, boolean>();

function hasNestedAnchors(pattern: unknown): boolean {
  if (typeof pattern !== 'object' || pattern === null) return false;
  let known = nestedAnchors.get(pattern);
  if (known === undefined) {
    known = findNestedAnchors(pattern);
    nestedAnchors.set(pattern, known);
  }
  return known;
}

function findNestedAnchors(pattern: unknown): boolean {
  if (isMap(pattern))
    return (
      Object.keys(pattern).some((k) => {
        const a = parseAnchor(k);
        return isAnchorKey(a) || a?.type === '<';
      }) || Object.values(pattern).some(hasNestedAnchors)
    );
  if (Array.isArray(pattern)) return pattern.some(hasNestedAnchors);
  return false;
}

/** getSortedNestedAnchorResource: sorted, each global or anchor-holding key pushed to the front. */
function nestedAnchorsFirst(keys: readonly string[], pattern: Json): string[] {
  const front: string[] = [];
  const back: string[] = [];
  for (const k of goSorted(keys)) {
    if (parseAnchor(k)?.type === '<' || hasNestedAnchors(pattern[k])) front.unshift(k);
    else back.push(k);
  }
  return [...front, ...back];
}

function handle(key: string, pattern: unknown, resource: Json, path: string, ac: AnchorMap): Result {
  const a = parseAnchor(key);
  if (a && a.type !== '+') {
    const current = `${path}${a.key}/`;
    const present = a.key in resource;
    const value = resource[a.key];
    switch (a.type) {
      case 'X':
        return present ? { path: current, err: anchorError('negation', `${current} is not allowed`) } : ok;
      case '=':
        return present ? element(value, pattern, current, ac) : ok;
      case '':
        if (!present)
          return {
            path: current,
            err: anchorError('conditional', "conditional anchor key doesn't exist in the resource"),
          };
        return wrapAnchor(element(value, pattern, current, ac), 'conditional');
      case '<':
        return present ? wrapAnchor(element(value, pattern, current, ac), 'global') : ok;
      case '^':
        return present ? existence(value, pattern, current, ac) : ok;
    }
  }
  const current = `${path}${key}/`;
  const value = resource[key];
  if (pattern === '*')
    return value !== null && value !== undefined
      ? ok
      : { path, err: { message: `${path}/${key} not found` } };
  return element(value, pattern, current, ac);
}

function wrapAnchor(r: Result, kind: 'conditional' | 'global'): Result {
  return r.err ? { path: r.path, err: anchorError(kind, r.err.message) } : r;
}

function existence(value: unknown, pattern: unknown, path: string, ac: AnchorMap): Result {
  if (!Array.isArray(value))
    return {
      path,
      err: {
        message: 'invalid resource type: Existence ^ () anchor can be used only on list/array type resource',
      },
    };
  if (!Array.isArray(pattern))
    return {
      path,
      err: { message: 'invalid pattern type: Pattern has to be of list to compare against resource' },
    };
  let last: Result = ok;
  for (const item of pattern) {
    if (!isMap(item))
      return {
        path,
        err: {
          message: 'invalid pattern type: Pattern has to be of type map to compare against items in resource',
        },
      };
    const found = value.some((r, i) => !element(r, item, `${path}${i}/`, ac).err);
    if (!found) return { path, err: { message: `existence anchor validation failed at path ${path}` } };
    last = ok;
  }
  return last;
}

function validateArray(resource: unknown[], pattern: unknown[], path: string, ac: AnchorMap): Result {
  if (pattern.length === 0) return { path, err: { message: 'pattern Array empty' } };
  const first = pattern[0];
  if (isMap(first)) return arrayOfMaps(resource, first, path, ac);
  if (!Array.isArray(first)) return element(resource, first, path, ac);
  if (resource.length < pattern.length)
    return {
      path: '',
      err: {
        message: `validate Array failed, array length mismatch, resource Array len is ${resource.length} and pattern Array len is ${pattern.length}`,
      },
    };
  const skipErrors: PatternErr[] = [];
  let applied = 0;
  for (const [i, p] of pattern.entries()) {
    const r = element(resource[i], p, `${path}${i}/`, ac);
    if (r.err) {
      if (isSkip(r.err)) {
        skipErrors.push(r.err);
        continue;
      }
      return r;
    }
    applied++;
  }
  if (applied === 0 && skipErrors.length)
    return { path, err: { wrapped: true, message: skipErrors.map((e) => e.message).join('; ') } };
  return ok;
}

function arrayOfMaps(resource: unknown[], pattern: Json, path: string, ac: AnchorMap): Result {
  const skipErrors: PatternErr[] = [];
  let applied = 0;
  for (const [i, r] of resource.entries()) {
    const result = element(r, pattern, `${path}${i}/`, ac);
    if (result.err) {
      if (isSkip(result.err)) {
        skipErrors.push(result.err);
        continue;
      }
      return result;
    }
    applied++;
  }
  if (applied === 0 && skipErrors.length)
    return { path, err: { wrapped: true, message: skipErrors.map((e) => e.message).join('; ') } };
  return ok;
}

/**
 * wildcards.ExpandInMetadata: a wildcard key under `metadata.labels` / `metadata.annotations` becomes the
 * resource key it matches (values stay patterns). Go ranges over a map there, so with several matching
 * keys Kyverno picks one at random; `ambiguousMetadataKeys` lets the caller see that case.
 */
function expandInMetadata(pattern: Json, resource: Json): Json {
  if (!('metadata' in pattern) && !Object.keys(pattern).some((k) => parseAnchor(k)?.key === 'metadata'))
    return pattern;
  const metaKey = keyFor('metadata', pattern);
  if (metaKey === undefined) return pattern;
  const metadata = pattern[metaKey];
  const resourceMetadata = resource['metadata'];
  if (!isMap(metadata) || resourceMetadata === null || resourceMetadata === undefined) return pattern;
  const expanded: Json = { ...metadata };
  for (const tag of ['labels', 'annotations']) {
    const tagKey = keyFor(tag, metadata);
    const patternTag = tagKey === undefined ? undefined : metadata[tagKey];
    if (tagKey === undefined || !isMap(patternTag) || !isMap(resourceMetadata)) continue;
    const resourceTagKey = keyFor(tag, resourceMetadata);
    const resourceTag = resourceTagKey === undefined ? undefined : resourceMetadata[resourceTagKey];
    if (!isMap(resourceTag)) continue;
    const resourceStrings = Object.entries(resourceTag).filter(([, v]) => typeof v === 'string');
    const result: Json = {};
    for (const [k, v] of Object.entries(patternTag)) {
      if (typeof v !== 'string') continue;
      if (!/[*?]/.test(k)) {
        result[k] = v;
        continue;
      }
      const a = parseAnchor(k);
      const bare = a ? a.key : k;
      const match = resourceStrings.find(([rk]) => wildcardMatch(bare, rk));
      const concrete = match ? match[0] : bare;
      result[a ? anchorText({ type: a.type, key: concrete }) : concrete] = v;
    }
    expanded[tagKey] = result;
  }
  return { ...pattern, [metaKey]: expanded };
}

/** getPatternValue: the key itself or an anchor around it. */
function keyFor(tag: string, map: Json): string | undefined {
  return Object.keys(map).find((k) => k === tag || parseAnchor(k)?.key === tag);
}

/** Wildcard label or annotation keys that match more than one key of the resource: Kyverno picks one. */
export function ambiguousMetadataKeys(pattern: unknown, resource: unknown): string[] {
  const found: string[] = [];
  const walk = (p: unknown, r: unknown) => {
    if (isMap(p) && isMap(r)) {
      const metaKey = keyFor('metadata', p);
      const pm = metaKey === undefined ? undefined : p[metaKey];
      const rm = r['metadata'];
      if (isMap(pm) && isMap(rm))
        for (const tag of ['labels', 'annotations']) {
          const pt = keyFor(tag, pm);
          const rt = rm[tag];
          if (pt === undefined || !isMap(pm[pt]) || !isMap(rt)) continue;
          for (const k of Object.keys(pm[pt])) {
            const bare = parseAnchor(k)?.key ?? k;
            if (/[*?]/.test(bare) && Object.keys(rt).filter((rk) => wildcardMatch(bare, rk)).length > 1)
              found.push(`metadata.${tag}.${k}`);
          }
        }
      for (const [k, v] of Object.entries(p)) walk(v, r[parseAnchor(k)?.key ?? k]);
    } else if (Array.isArray(p) && Array.isArray(r)) {
      for (const item of r) for (const q of p) walk(q, item);
    }
  };
  walk(pattern, resource);
  return found;
}

/** Keys Kyverno refuses in a validate pattern (`+()`, or `^()` without a non-empty list), and keys that
 * look like an anchor with a modifier Kyverno does not know (read as literal field names). */
export function patternProblems(pattern: unknown, path = ''): string[] {
  if (Array.isArray(pattern)) return pattern.flatMap((p, i) => patternProblems(p, `${path}/${i}`));
  if (!isMap(pattern)) return [];
  return Object.entries(pattern).flatMap(([key, value]) => {
    const here = `${path}/${key}`;
    const a = parseAnchor(key);
    const own: string[] = [];
    if (a?.type === '+')
      own.push(
        `${here}: the add-if-not-present anchor +() belongs to mutate; Kyverno refuses it in validate`,
      );
    else if (a?.type === '^' && (!Array.isArray(value) || value.length === 0))
      own.push(`${here}: an existence anchor ^() needs a non-empty list`);
    else if (!a && /^\s*[^\w\s(]\(.+\)\s*$/s.test(key))
      own.push(
        `${here}: "${key.trim().slice(0, 1)}()" is not an anchor Kyverno knows (it would be read as a field name)`,
      );
    return [...own, ...patternProblems(value, here)];
  });
}

/** validateResourceElement at the root: the failing path ('' when none) and whether it passed. */
export function validateElement(resource: unknown, pattern: unknown): { path: string; pass: boolean } {
  const { path, err } = element(resource, pattern, '/', new AnchorMap());
  return { path, pass: !err };
}
