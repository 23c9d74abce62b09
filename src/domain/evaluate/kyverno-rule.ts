import { applyOperator } from '../kyverno-operators.js';
import { substitute, UNKNOWN, type VariableScope } from '../kyverno-variables.js';
import {
  ambiguousMetadataKeys,
  matchPattern,
  patternProblems,
  type PatternOutcome,
} from './match-pattern.js';

/**
 * A kyverno.io validate rule (pattern, anyPattern, deny) run as pkg/engine/handlers/validation runs it:
 * preconditions, then deny conditions or the patterns after variable substitution. Kyverno's outcome is
 * pass, skip, fail or error; here an outcome can also be `unknown` (the rule reads what is not given).
 */
export type RuleOutcome =
  | { status: 'pass' | 'skip' | 'fail' | 'error'; message: string }
  | { status: 'unknown'; message: string; finding?: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ValidateRule {
  name?: string;
  context?: unknown;
  preconditions?: unknown;
  validate?: Json;
}

/** Context entries that load data from outside the resource. */
const EXTERNAL = ['apiCall', 'imageRegistry', 'configMap', 'globalReference'] as const;

/** Condition evaluation with Kyverno's order: `any` first (stops at the first true), then `all`. */
type Judged = boolean | 'unknown' | Error;

interface Condition {
  key?: unknown;
  operator?: unknown;
  value?: unknown;
}

function condition(c: Condition, scope: VariableScope): Judged {
  const key = substitute(c.key, scope);
  if (key instanceof Error)
    return new Error(`failed to substitute variables in condition key: ${key.message}`);
  if (key === UNKNOWN) return 'unknown';
  const value = substitute(c.value, scope);
  if (value instanceof Error)
    return new Error(`failed to substitute variables in condition value: ${value.message}`);
  if (value === UNKNOWN) return 'unknown';
  return applyOperator(typeof c.operator === 'string' ? c.operator : '', key, value);
}

/**
 * variables.EvaluateConditions: an old-style list (all must hold) or `{any, all}`. An `unknown` before
 * the deciding condition makes the whole unknown: it could have been an error, which Kyverno stops at.
 */
export function conditionsResult(raw: unknown, scope: VariableScope): Judged {
  if (raw === undefined || raw === null) return true;
  const sequence = (list: unknown[], stopAt: boolean): Judged => {
    let unsure = false;
    for (const c of list) {
      const r = condition(isObject(c) ? c : {}, scope);
      if (r instanceof Error) return unsure ? 'unknown' : r;
      if (r === 'unknown') {
        unsure = true;
        continue;
      }
      if (r === stopAt) return unsure ? 'unknown' : r;
    }
    return unsure ? 'unknown' : !stopAt;
  };
  if (Array.isArray(raw)) return sequence(raw, false);
  if (!isObject(raw)) return new Error('invalid condition');
  const any = raw['any'];
  const all = raw['all'];
  let anyResult: Judged = true;
  if (Array.isArray(any)) anyResult = sequence(any, true);
  if (anyResult instanceof Error) return anyResult;
  const allResult: Judged = Array.isArray(all) ? sequence(all, false) : true;
  if (allResult instanceof Error) return anyResult === 'unknown' ? 'unknown' : allResult;
  if (anyResult === false || allResult === false) return anyResult === 'unknown' ? 'unknown' : false;
  if (anyResult === 'unknown' || allResult === 'unknown') return 'unknown';
  return true;
}

/** `$(…)` references and `{{@}}` need the pattern's own position; not written here. */
const REFERENCE = /(^|[^\\])\$\(/;

/** Variables in a pattern's keys and string values, substituted as SubstituteAll does. */
function substitutePattern(pattern: unknown, scope: VariableScope): unknown {
  if (Array.isArray(pattern)) {
    const items = pattern.map((p) => substitutePattern(p, scope));
    return items.find((v) => v === UNKNOWN || v instanceof Error) ?? items;
  }
  if (isObject(pattern)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(pattern)) {
      const key = k.includes('{{') ? substitute(k, scope) : k;
      if (key === UNKNOWN || key instanceof Error) return key;
      const value = substitutePattern(v, scope);
      if (value === UNKNOWN || value instanceof Error) return value;
      out[typeof key === 'string' ? key : JSON.stringify(key)] = value;
    }
    return out;
  }
  if (typeof pattern === 'string' && pattern.includes('{{')) return substitute(pattern, scope);
  return pattern;
}

const unknown = (message: string, finding?: string): RuleOutcome =>
  finding === undefined ? { status: 'unknown', message } : { status: 'unknown', message, finding };

/** The rule's own checks that Kyverno would refuse the policy for, as findings. */
export function ruleProblems(rule: ValidateRule): string[] {
  const v = rule.validate ?? (rule as Json);
  const problems = patternProblems(v['pattern'], 'pattern');
  if (Array.isArray(v['anyPattern']))
    v['anyPattern'].forEach((p, i) => problems.push(...patternProblems(p, `anyPattern[${i}]`)));
  else if (v['anyPattern'] !== undefined) problems.push('anyPattern: must be a list');
  return problems;
}

/**
 * validate.foreach as validateForEach runs it: each list (a JMESPath on the request) element by element,
 * the element as the resource of its pattern and as `element` in its variables; a list that is not there
 * is skipped, an element whose preconditions do not hold (or fail to evaluate) is skipped, the first
 * element that fails decides. Nested foreach and per-element context are not evaluated here.
 */
function foreachOutcome(name: string, list: unknown[], scope: VariableScope): RuleOutcome {
  let applied = 0;
  let listError: Error | undefined;
  for (const raw of list) {
    if (!isObject(raw)) return unknown(`rule ${name}: a foreach entry is not an object`);
    if (raw['foreach'] !== undefined) return unknown(`rule ${name} nests foreach: not evaluated`);
    if (Array.isArray(raw['context']) && raw['context'].length)
      return unknown(`rule ${name} declares context in foreach: not evaluated`);
    if (raw['elementScope'] === false) return unknown(`rule ${name} sets elementScope: false: not evaluated`);
    const expression = typeof raw['list'] === 'string' ? raw['list'].trim() : '';
    const elements = substitute(`{{ ${expression.replace(/^\{\{|\}\}$/g, '')} }}`, scope);
    if (elements === UNKNOWN)
      return unknown(`rule ${name}: its foreach list reads what is known only at admission`);
    if (elements instanceof Error) {
      // A list that is not in the resource is optional: Kyverno skips it ("Unknown key").
      if (/resolves to nothing/.test(elements.message)) continue;
      listError = elements;
      continue;
    }
    if (!Array.isArray(elements)) {
      listError = new Error(`foreach list ${expression} is not a list`);
      continue;
    }
    const ready = prepare(raw);
    if (ready.problems.length)
      return unknown(`rule ${name}: ${ready.problems.join('; ')}`, ready.problems.join('; '));
    if (ready.references) return unknown(`rule ${name}: its foreach pattern uses $() references or {{@}}`);
    for (const [index, element] of elements.entries()) {
      if (element === null || element === undefined) continue;
      const here: VariableScope = { ...scope, element, elementIndex: index };
      const pre = conditionsResult(raw['preconditions'], here);
      if (pre === 'unknown')
        return unknown(`rule ${name}: a foreach precondition reads what is known only at admission`);
      if (pre instanceof Error || !pre) continue;
      const target = isObject(element) ? element : (scope.object ?? {});
      const outcome = checks(name, raw, ready, target, here);
      if (outcome.status === 'skip') continue;
      if (outcome.status === 'unknown') return outcome;
      if (outcome.status !== 'pass')
        return { status: outcome.status, message: `validation failure: ${outcome.message}` };
      applied++;
    }
  }
  if (applied === 0)
    return listError
      ? { status: 'error', message: `failed to evaluate list: ${listError.message}` }
      : { status: 'skip', message: 'no foreach element to check' };
  return { status: 'pass', message: 'rule passed' };
}

/** What is read from a rule alone, once per rule object rather than once per resource. */
interface Prepared {
  problems: string[];
  references: boolean;
  variables: boolean;
  wildcardMetadata: boolean;
}

const prepared = new WeakMap<object, Prepared>();

function prepare(rule: ValidateRule): Prepared {
  let p = prepared.get(rule);
  if (!p) {
    // A foreach entry carries its pattern, anyPattern and deny itself.
    const v = rule.validate ?? (rule as Json);
    const text = JSON.stringify([v['pattern'] ?? null, v['anyPattern'] ?? null]);
    p = {
      problems: ruleProblems(rule),
      references: REFERENCE.test(text) || text.includes('{{@}}'),
      variables: text.includes('{{'),
      wildcardMetadata: /"metadata"|\(metadata\)/.test(text) && /[*?][^"]*":/.test(text),
    };
    prepared.set(rule, p);
  }
  return p;
}

/**
 * A rule's `variable` context entries (pkg/engine/context/loaders/variable.go): `value` substituted, or
 * `jmesPath` queried on the context, `default` when the query fails; nil is an error. A `value` with a
 * `jmesPath` applied to it is not evaluated here.
 */
function loadVariables(
  name: string,
  entries: Json[],
  scope: VariableScope,
): { scope: VariableScope } | RuleOutcome {
  let current = scope;
  for (const entry of entries) {
    const variable = entry['variable'];
    const entryName = typeof entry['name'] === 'string' ? entry['name'] : '';
    if (!isObject(variable) || !entryName)
      return unknown(
        `rule ${name} declares context ${entryName || '(unnamed)'} of a kind not evaluated here`,
      );
    const path = typeof variable['jmesPath'] === 'string' ? variable['jmesPath'] : '';
    if (variable['value'] !== undefined && path)
      return unknown(`rule ${name}: context ${entryName} applies a JMESPath to a value, not evaluated here`);
    let fallback: unknown = null;
    if (variable['default'] !== undefined) {
      fallback = substitute(variable['default'], current);
      if (fallback === UNKNOWN)
        return unknown(`rule ${name}: context ${entryName} reads what is known only at admission`);
      if (fallback instanceof Error)
        return { status: 'error', message: `failed to load context: ${fallback.message}` };
    }
    let output: unknown = fallback;
    if (variable['value'] !== undefined) output = substitute(variable['value'], current);
    else if (path) {
      const queried = substitute(`{{ ${path} }}`, current);
      if (queried instanceof Error) {
        if (fallback === null)
          return { status: 'error', message: `failed to load context: ${queried.message}` };
      } else output = queried;
    }
    if (output === UNKNOWN)
      return unknown(`rule ${name}: context ${entryName} reads what is known only at admission`);
    if (output instanceof Error)
      return { status: 'error', message: `failed to load context: ${output.message}` };
    if (output === null || output === undefined)
      return {
        status: 'error',
        message: `failed to add context entry for variable ${entryName} since it evaluated to nil`,
      };
    current = { ...current, variables: { ...current.variables, [entryName]: output } };
  }
  return { scope: current };
}

export function evaluateValidateRule(rule: ValidateRule, resource: Json, given: VariableScope): RuleOutcome {
  let scope = given;
  const name = rule.name ?? '';
  const ready = prepare(rule);
  const problems = ready.problems;
  if (problems.length) return unknown(`rule ${name}: ${problems.join('; ')}`, problems.join('; '));
  const context = Array.isArray(rule.context) ? rule.context.filter(isObject) : [];
  const external = context.find((c) => EXTERNAL.some((k) => c[k] !== undefined));
  if (external) {
    const what = EXTERNAL.find((k) => external[k] !== undefined) ?? 'context';
    return unknown(
      `rule ${name} loads context ${String(external['name'])} by ${what}: that needs the cluster or a registry`,
    );
  }
  const loaded = loadVariables(name, context, scope);
  if (!('scope' in loaded)) return loaded;
  scope = loaded.scope;

  const pre = conditionsResult(rule.preconditions, scope);
  if (pre instanceof Error)
    return { status: 'error', message: `failed to evaluate preconditions: ${pre.message}` };
  if (pre === 'unknown')
    return unknown(`rule ${name}: its preconditions read what is known only at admission`);
  if (!pre) return { status: 'skip', message: 'preconditions not met' };

  const v = rule.validate ?? {};
  if (
    v['deny'] === undefined &&
    v['pattern'] === undefined &&
    v['anyPattern'] === undefined &&
    Array.isArray(v['foreach'])
  )
    return foreachOutcome(name, v['foreach'], scope);
  return checks(name, v, ready, resource, scope);
}

/** deny, pattern or anyPattern of a rule (or of one foreach element, the element as the resource). */
function checks(name: string, v: Json, ready: Prepared, resource: Json, scope: VariableScope): RuleOutcome {
  if (v['deny'] !== undefined) {
    const deny = isObject(v['deny']) ? v['deny']['conditions'] : undefined;
    const denied = conditionsResult(deny, scope);
    if (denied instanceof Error)
      return { status: 'error', message: `failed to check deny conditions: ${denied.message}` };
    if (denied === 'unknown')
      return unknown(`rule ${name}: its deny conditions read what is known only at admission`);
    return denied
      ? { status: 'fail', message: `the deny conditions hold` }
      : { status: 'pass', message: 'the deny conditions do not hold' };
  }
  const patterns: { label: string; pattern: unknown }[] =
    v['pattern'] !== undefined
      ? [{ label: 'pattern', pattern: v['pattern'] }]
      : Array.isArray(v['anyPattern'])
        ? (v['anyPattern'] as unknown[]).map((p: unknown, i) => ({ label: `anyPattern[${i}]`, pattern: p }))
        : [];
  if (v['pattern'] === undefined && v['anyPattern'] === undefined)
    return unknown(`rule ${name} has no pattern, anyPattern or deny`);
  if (ready.references)
    return unknown(`rule ${name}: its pattern uses $() references or {{@}}, not evaluated here`);
  const substituted: { label: string; pattern: unknown }[] = ready.variables ? [] : patterns;
  if (ready.variables)
    for (const p of patterns) {
      const s = substitutePattern(p.pattern, scope);
      if (s === UNKNOWN) return unknown(`rule ${name}: ${p.label} reads what is known only at admission`);
      if (s instanceof Error)
        return { status: 'error', message: `variable substitution failed: ${s.message}` };
      substituted.push({ label: p.label, pattern: s });
    }
  if (v['pattern'] !== undefined)
    return single(name, substituted[0]?.pattern, resource, ready.wildcardMetadata);
  return anyPattern(name, substituted, resource, ready.wildcardMetadata);
}

function ambiguity(pattern: unknown, resource: Json): string | undefined {
  const keys = ambiguousMetadataKeys(pattern, resource);
  return keys.length
    ? `wildcard keys ${keys.join(', ')} match several keys of the resource, and Kyverno picks one at random`
    : undefined;
}

function fromPattern(name: string, outcome: PatternOutcome): RuleOutcome {
  switch (outcome.status) {
    case 'pass':
      return { status: 'pass', message: `validation rule '${name}' passed.` };
    case 'skip':
      return { status: 'skip', message: outcome.message };
    case 'fail':
      return { status: 'fail', message: `validation error: rule ${name} failed at path ${outcome.path}` };
    case 'error':
      return { status: 'error', message: outcome.message };
  }
}

function single(name: string, pattern: unknown, resource: Json, wildcards: boolean): RuleOutcome {
  const ambiguous = wildcards ? ambiguity(pattern, resource) : undefined;
  if (ambiguous) return unknown(`rule ${name}: ${ambiguous}`);
  return fromPattern(name, matchPattern(resource, pattern));
}

function anyPattern(
  name: string,
  patterns: { label: string; pattern: unknown }[],
  resource: Json,
  wildcards: boolean,
): RuleOutcome {
  const failed: string[] = [];
  const skipped: string[] = [];
  for (const [i, { pattern }] of patterns.entries()) {
    const ambiguous = wildcards ? ambiguity(pattern, resource) : undefined;
    if (ambiguous) return unknown(`rule ${name}: ${ambiguous}`);
    const outcome = matchPattern(resource, pattern);
    if (outcome.status === 'pass')
      return { status: 'pass', message: `validation rule '${name}' anyPattern[${i}] passed.` };
    if (outcome.status === 'skip') skipped.push(`rule ${name}[${i}] skipped: ${outcome.message}`);
    else if (outcome.status === 'fail') failed.push(`rule ${name}[${i}] failed at path ${outcome.path}`);
    else failed.push(`rule ${name}[${i}] failed: ${outcome.message}`);
  }
  if (skipped.length && !failed.length) return { status: 'skip', message: skipped.join(' ') };
  if (failed.length) return { status: 'fail', message: `validation error: ${failed.join(' ')}` };
  return { status: 'pass', message: '' };
}
