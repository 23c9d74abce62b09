import type { Coverage } from '../exception-match.js';
import {
  exemptionsOf,
  podSecurityResult,
  type PodSecurityResult,
  type PodSecurityRule,
  type PssFailure,
} from './evaluate.js';

/** An exception that applies to the resource for the rule (`unknown`: it may, depending on what is not known). */
export interface ApplyingException {
  name: string;
  podSecurity?: unknown[] | undefined;
  covered: true | 'unknown';
  why: string;
}

export interface PodSecurityCoverage {
  /** What Kyverno reports for the rule; `unknown` when that turns on what is not known here. */
  result: 'pass' | 'skip' | 'fail' | 'unknown';
  covered: Coverage;
  exceptions: string[];
  why: string;
}

/** `Capabilities (spec.containers[*].securityContext.capabilities.add = SYS_ADMIN in container app, image nginx)`. */
export function describeFailures(failures: readonly PssFailure[]): string {
  return failures
    .map((f) => {
      const fields = f.fields.map((x) => {
        const values = x.values.length ? ` = ${x.values.join(', ')}` : '';
        const where = x.container
          ? ` in container ${x.container.name}, image ${x.container.image || '(none)'}`
          : '';
        return `${x.restrictedField}${values}${where}`;
      });
      return `${f.control} (${fields.length ? fields.join('; ') : f.detail})`;
    })
    .join(', ');
}

const levelOf = (rule: PodSecurityRule): string =>
  `${String(rule.level)}:${typeof rule.version === 'string' && rule.version ? rule.version : 'latest'}`;

/**
 * Coverage of a `validate.podSecurity` rule as Kyverno's validate_pss.go decides it: an applying
 * exception without `podSecurity` skips the rule outright; otherwise the pod is evaluated, `pass`
 * (covered: false, no exception needed), `skip` once the `podSecurity` entries of all applying
 * exceptions are removed together (covered, by all of them), or `fail` with what is left.
 */
export function podSecurityCoverage(
  object: unknown,
  rule: PodSecurityRule,
  applying: readonly ApplyingException[],
): PodSecurityCoverage {
  const sure = applying.filter((e) => e.covered === true);
  const maybe = applying.filter((e) => e.covered === 'unknown');
  const whole = sure.find((e) => !e.podSecurity?.length);
  if (whole)
    return {
      result: 'skip',
      covered: true,
      exceptions: [whole.name],
      why: `${whole.why}; it has no podSecurity, so Kyverno skips the whole rule`,
    };
  if (object === undefined)
    return {
      result: 'unknown',
      covered: applying.length ? 'unknown' : false,
      exceptions: applying.map((e) => e.name),
      why: 'the pod spec is not known: the podSecurity entries cannot be weighed',
    };
  const judge = (list: readonly ApplyingException[]): PodSecurityResult =>
    podSecurityResult(
      object,
      rule,
      list.flatMap((e) => exemptionsOf(e.podSecurity)),
    );
  const result = judge(sure);
  switch (result.status) {
    case 'error':
      return {
        result: 'unknown',
        covered: applying.length ? 'unknown' : false,
        exceptions: applying.map((e) => e.name),
        why: result.error,
      };
    case 'pass':
      return {
        result: 'pass',
        covered: false,
        exceptions: [],
        why: `it passes Pod Security ${levelOf(rule)} without any exception`,
      };
    case 'skip':
      return {
        result: 'skip',
        covered: true,
        exceptions: sure.map((e) => e.name),
        why: `${sure.length > 1 ? 'together they exempt' : 'its podSecurity exempts'} all it fails: ${describeFailures(result.exempted)}`,
      };
    case 'fail': {
      const left = `it still fails Pod Security ${levelOf(rule)}: ${describeFailures(result.failures)}`;
      if (!maybe.length) return { result: 'fail', covered: false, exceptions: [], why: left };
      const possibly = maybe.find((e) => !e.podSecurity?.length);
      if (possibly || judge([...sure, ...maybe]).status === 'skip')
        return {
          result: 'unknown',
          covered: 'unknown',
          exceptions: [...sure, ...maybe].map((e) => e.name),
          why: `${left}; it would be skipped if ${maybe.map((e) => e.name).join(', ')} applied: ${maybe[0]?.why ?? ''}`,
        };
      return { result: 'fail', covered: false, exceptions: [], why: left };
    }
  }
}
