import {
  notKnown,
  wouldFail,
  wouldPass,
  type RuleUnderTest,
  type RuleVerdict,
} from '../domain/evaluate/rule-verdict.js';
import { wildcardMatch } from '../domain/wildcard.js';

/**
 * Stand-in for the evaluators' dispatcher (`src/domain/evaluate/would-fail.ts`) until it is merged: a
 * kyverno.io `validate.pattern` of plain values and wildcards, on the resource the rule names (not an
 * autogen copy); anything else is `unknown`, saying so. Removed when the real dispatcher lands.
 */
export function ruleWithoutException(test: RuleUnderTest): RuleVerdict {
  const spec = test.policy.spec as
    { rules?: { name?: string; validate?: { pattern?: unknown } }[] } | undefined;
  const rule = spec?.rules?.find((r) => r.name === test.rule);
  const pattern = rule?.validate?.pattern;
  if (pattern === undefined)
    return notKnown(`rule ${test.rule} is not a validate.pattern this build evaluates`);
  const failed = mismatch(pattern, test.resource.object ?? {}, '');
  if (failed === UNKNOWN) return notKnown(`rule ${test.rule}'s pattern uses an anchor or operator`);
  return failed === undefined
    ? wouldPass(`${test.rule}: the pattern holds`)
    : wouldFail(`${test.rule}: ${failed}`);
}

/** Where the value departs from the pattern, undefined when it holds, `unknown` for what is not evaluated. */
const UNKNOWN = Symbol('unknown');
const shown = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined'));

function mismatch(pattern: unknown, value: unknown, path: string): string | undefined | typeof UNKNOWN {
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value)) return `${path || '/'} is not a list`;
    for (const [i, element] of value.entries())
      for (const p of pattern) {
        const m = mismatch(p, element, `${path}/${i}`);
        if (m !== undefined) return m;
      }
    return undefined;
  }
  if (typeof pattern === 'object' && pattern !== null) {
    if (typeof value !== 'object' || value === null) return `${path || '/'} is missing`;
    for (const [key, p] of Object.entries(pattern)) {
      if (/^[=^X<+]?\(/.test(key)) return UNKNOWN;
      const m = mismatch(p, (value as Record<string, unknown>)[key], `${path}/${key}`);
      if (m !== undefined) return m;
    }
    return undefined;
  }
  if (typeof pattern === 'string') {
    if (/[<>!|]|-$/.test(pattern)) return UNKNOWN;
    if (value === undefined) return `${path} is missing`;
    return wildcardMatch(pattern, shown(value)) ? undefined : `${path} is ${shown(value)}, not ${pattern}`;
  }
  if (value === undefined) return `${path} is missing`;
  return value === pattern ? undefined : `${path} is ${shown(value)}, not ${shown(pattern)}`;
}
