import type { Environment, TypeCheckResult } from '@marcbachmann/cel-js';
import type { Issue } from './errors.js';
import { isCelApiVersion, type ApiVersion, type Justification } from './exception.js';
import { kubernetesCel } from './evaluate/cel-kubernetes.js';
import type { ProcessSettings } from './settings.js';

/** At most this many compensating expressions on one exception, each at most this long. */
export const MAX_VALIDATIONS = 20;
export const MAX_VALIDATION_LENGTH = 2000;

/**
 * Why an expression cannot be a match condition, or undefined when it can: it must compile in the
 * Kubernetes CEL environment (Kyverno refuses the whole policy over one that does not, PR #17350) and
 * give a bool (a match condition of any other type is an evaluation error at admission).
 */
export function validationProblem(expression: string): string | undefined {
  if (!expression.trim()) return 'is empty';
  if (expression.length > MAX_VALIDATION_LENGTH)
    return `is ${expression.length} characters long; at most ${MAX_VALIDATION_LENGTH} are allowed`;
  let checked: TypeCheckResult;
  try {
    checked = matchConditionCel().check(expression);
  } catch (e) {
    return `does not compile: ${firstLine(e)}`;
  }
  if (!checked.valid) return `does not compile: ${firstLine(checked.error)}`;
  if (checked.type !== undefined && checked.type !== 'bool' && checked.type !== 'dyn')
    return `gives ${checked.type}, not bool: Kyverno needs a condition that is true or false`;
  return undefined;
}

/**
 * The variables a ValidatingPolicy's compiler declares, which an exception's match conditions are compiled
 * with (Kyverno's pkg/cel/compiler/keys.go, vpol compiler's base environment): any other name is an
 * undeclared reference there, and Kyverno would refuse the policy.
 */
const MATCH_CONDITION_VARIABLES = [
  'object',
  'oldObject',
  'request',
  'namespaceObject',
  'variables',
  'exceptions',
  'globalContext',
  'resource',
  'http',
  'image',
  'images',
  'attestations',
  'attestors',
  'ref',
  'generator',
] as const;

let strict: Environment | undefined;

function matchConditionCel(): Environment {
  if (strict) return strict;
  const env = kubernetesCel().clone({ unlistedVariablesAreDyn: false });
  for (const name of MATCH_CONDITION_VARIABLES) env.registerVariable(name, 'dyn');
  return (strict = env);
}

const firstLine = (e: unknown): string => {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n')[0] ?? text;
};

const issue = (code: string, field: string, message: string): Issue => ({ code, field, message });

/** What these guardrails read of a request (a `RequestContext` is one; named here to keep imports one-way). */
interface ValidationsContext {
  justification: Pick<Justification, 'validations'>;
  apiVersion?: ApiVersion | undefined;
  settings: Pick<ProcessSettings, 'apiVersion'>;
}

/**
 * Compensating validations exist only on the CEL PolicyException (policies.kyverno.io): a kyverno.io
 * exception has no place for CEL that Kyverno would check, and a control written there would be ignored.
 */
export const validationsNeedCelException = ({
  justification,
  apiVersion,
  settings,
}: ValidationsContext): Issue | undefined =>
  justification.validations.length > 0 && !isCelApiVersion(apiVersion ?? settings.apiVersion)
    ? issue(
        'validations-not-cel',
        'validations',
        `compensating validations are CEL that Kyverno checks on a CEL PolicyException (policies.kyverno.io) only; this exception is ${apiVersion ?? settings.apiVersion}, for a kyverno.io policy: write the control as free text (compensatingControls) instead`,
      )
    : undefined;

export const validationsCompile = ({ justification }: ValidationsContext): Issue | undefined => {
  const { validations } = justification;
  if (validations.length > MAX_VALIDATIONS)
    return issue(
      'validations-count',
      'validations',
      `${validations.length} validations; at most ${MAX_VALIDATIONS} are allowed`,
    );
  for (const [i, expression] of validations.entries()) {
    const refusal = validationRefusal(expression);
    if (refusal?.code === 'text-template')
      return issue(refusal.code, `validations.${i}`, `validations.${i} ${refusal.problem}`);
    if (refusal)
      return issue(refusal.code, `validations.${i}`, `validations.${i} "${expression}" ${refusal.problem}`);
  }
  return undefined;
};

/**
 * Why one expression cannot be a compensating validation, as a code and a phrase to follow its name; the
 * request's guardrail and import (which reads `waiver-validation-N` conditions back) both judge with it.
 */
export function validationRefusal(expression: string): { code: string; problem: string } | undefined {
  if (expression.includes('{{'))
    return { code: 'text-template', problem: 'must not contain "{{": Kyverno would read it as a variable' };
  const problem = validationProblem(expression);
  return problem ? { code: 'validation-compile', problem } : undefined;
}
