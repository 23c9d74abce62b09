import { validationRefusal, MAX_VALIDATIONS } from './cel-validations.js';
import { celScopeExpression } from './cel-exception.js';
import type { Issue } from './errors.js';
import { SCOPE_CONDITION, validationCondition } from './render-cel.js';

/** The kinds, namespaces and name patterns a `waiver-scope` condition stands for. */
export interface CelScope {
  kinds: string[];
  namespaces: string[];
  names: string[];
}

/** What Waiver's own match conditions say: the scope and the compensating validations, in order. */
export interface CelConditions {
  scope: CelScope;
  validations: string[];
}

/** A JSON list of JSON strings, as `celScopeExpression` writes its lists (`["a", "b"]`). */
const LIST = String.raw`(\[(?:"(?:[^"\\]|\\.)*"(?:, )?)*\])`;
const SCOPE_SHAPE = new RegExp(
  String.raw`^\[object != null \? object : oldObject\]\.all\(o, o\.kind in ${LIST} && has\(o\.metadata\.namespace\) && o\.metadata\.namespace in ${LIST} && \(\(has\(o\.metadata\.name\) && ${LIST}\.exists`,
);

const stringList = (json: string): string[] | undefined => {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
};

/** `wildcardToRe2` backwards: `^app-.*$` is `app-*`; undefined for a pattern it would not write. */
function re2ToWildcard(pattern: string): string | undefined {
  if (!pattern.startsWith('^') || !pattern.endsWith('$')) return undefined;
  const tokens = pattern.slice(1, -1).match(/\\.|\.\*|./gs) ?? [];
  return tokens
    .map((t) => (t === '.*' ? '*' : t === '.' ? '?' : t.startsWith('\\') ? t.slice(1) : t))
    .join('');
}

/**
 * The scope a `waiver-scope` expression was rendered from, or undefined for any other expression. The
 * result is rendered again and compared, so only what `celScopeExpression` writes is read: a hand-edited
 * scope is not guessed at, since a wrong guess would change what the exception lets through.
 */
export function readCelScope(expression: string): CelScope | undefined {
  const [, kinds, namespaces, patterns] = SCOPE_SHAPE.exec(expression) ?? [];
  if (kinds === undefined || namespaces === undefined || patterns === undefined) return undefined;
  const read = { kinds: stringList(kinds), namespaces: stringList(namespaces), names: namesOf(patterns) };
  if (!read.kinds || !read.namespaces || !read.names) return undefined;
  const scope: CelScope = { kinds: read.kinds, namespaces: read.namespaces, names: read.names };
  return celScopeExpression(scope) === expression ? scope : undefined;
}

/** The name patterns of a list of anchored RE2 patterns, or undefined if one is not Waiver's. */
function namesOf(json: string): string[] | undefined {
  const names: string[] = [];
  for (const pattern of stringList(json) ?? []) {
    const name = re2ToWildcard(pattern);
    if (name === undefined) return undefined;
    names.push(name);
  }
  return names;
}

const VALIDATION_NAME = /^waiver-validation-(\d+)$/;
const refuse = (code: string, field: string, message: string): { issue: Issue } => ({
  issue: { code, field, message },
});

/**
 * Reads a CEL PolicyException's match conditions as Waiver renders them: one `waiver-scope` and the
 * compensating validations `waiver-validation-0`, `-1`, … in that order. Anything else is refused by name
 * rather than dropped: an unknown condition narrows the exception, and leaving it out would widen it.
 */
export function readCelConditions(
  conditions: readonly { name: string; expression: string }[],
): CelConditions | { issue: Issue } {
  let scope: CelScope | undefined;
  const validations: string[] = [];
  for (const [k, { name, expression }] of conditions.entries()) {
    const field = `spec.matchConditions.${k}`;
    if (name === SCOPE_CONDITION && scope === undefined) {
      scope = readCelScope(expression);
      if (!scope)
        return refuse(
          'foreign-scope',
          `${field}.expression`,
          `${SCOPE_CONDITION} is not a scope Waiver wrote (kinds, namespaces and names), and Waiver does not read other CEL back`,
        );
      continue;
    }
    if (!VALIDATION_NAME.test(name))
      return refuse(
        'foreign-condition',
        `${field}.name`,
        `match condition "${name}" is not one Waiver writes (${SCOPE_CONDITION}, waiver-validation-N); adopting the exception without it would widen it`,
      );
    const expected = validationCondition(validations.length);
    if (name !== expected)
      return refuse('validation-order', `${field}.name`, `${name} is out of order: expected ${expected}`);
    const refusal = validationRefusal(expression);
    if (refusal)
      return refuse(refusal.code, `${field}.expression`, `${name} "${expression}" ${refusal.problem}`);
    validations.push(expression);
  }
  if (validations.length > MAX_VALIDATIONS)
    return refuse(
      'validations-count',
      'spec.matchConditions',
      `${validations.length} validations; at most ${MAX_VALIDATIONS} are allowed`,
    );
  return scope
    ? { scope, validations }
    : refuse(
        'no-scope',
        'spec.matchConditions',
        `no ${SCOPE_CONDITION} match condition: Waiver reads its scope from it`,
      );
}
