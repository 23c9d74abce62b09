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
  const v = rule.validate ?? {};
  const problems = patternProblems(v['pattern'], 'pattern');
  if (Array.isArray(v['anyPattern']))
    v['anyPattern'].forEach((p, i) => problems.push(...patternProblems(p, `anyPattern[${i}]`)));
  else if (v['anyPattern'] !== undefined) problems.push('anyPattern: must be a list');
  return problems;
}

export function evaluateValidateRule(rule: ValidateRule, resource: Json, scope: VariableScope): RuleOutcome {
  const name = rule.name ?? '';
  const problems = ruleProblems(rule);
  if (problems.length) return unknown(`rule ${name}: ${problems.join('; ')}`, problems.join('; '));
  const context = Array.isArray(rule.context) ? rule.context.filter(isObject) : [];
  const external = context.find((c) => EXTERNAL.some((k) => c[k] !== undefined));
  if (external) {
    const what = EXTERNAL.find((k) => external[k] !== undefined) ?? 'context';
    return unknown(
      `rule ${name} loads context ${String(external['name'])} by ${what}: that needs the cluster or a registry`,
    );
  }
  if (context.length)
    return unknown(
      `rule ${name} declares context variables (${context.map((c) => String(c['name'])).join(', ')}): not evaluated`,
    );

  const pre = conditionsResult(rule.preconditions, scope);
  if (pre instanceof Error)
    return { status: 'error', message: `failed to evaluate preconditions: ${pre.message}` };
  if (pre === 'unknown')
    return unknown(`rule ${name}: its preconditions read what is known only at admission`);
  if (!pre) return { status: 'skip', message: 'preconditions not met' };

  const v = rule.validate ?? {};
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
  if (
    patterns.some(
      (p) => REFERENCE.test(JSON.stringify(p.pattern)) || JSON.stringify(p.pattern).includes('{{@}}'),
    )
  )
    return unknown(`rule ${name}: its pattern uses $() references or {{@}}, not evaluated here`);
  const substituted: { label: string; pattern: unknown }[] = [];
  for (const p of patterns) {
    const s = substitutePattern(p.pattern, scope);
    if (s === UNKNOWN) return unknown(`rule ${name}: ${p.label} reads what is known only at admission`);
    if (s instanceof Error) return { status: 'error', message: `variable substitution failed: ${s.message}` };
    substituted.push({ label: p.label, pattern: s });
  }
  if (v['pattern'] !== undefined) return single(name, substituted[0]?.pattern, resource);
  return anyPattern(name, substituted, resource);
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

function single(name: string, pattern: unknown, resource: Json): RuleOutcome {
  const ambiguous = ambiguity(pattern, resource);
  if (ambiguous) return unknown(`rule ${name}: ${ambiguous}`);
  return fromPattern(name, matchPattern(resource, pattern));
}

function anyPattern(
  name: string,
  patterns: { label: string; pattern: unknown }[],
  resource: Json,
): RuleOutcome {
  const failed: string[] = [];
  const skipped: string[] = [];
  for (const [i, { pattern }] of patterns.entries()) {
    if (ambiguity(pattern, resource)) return unknown(`rule ${name}: ${ambiguity(pattern, resource) ?? ''}`);
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
