import { podControllerKinds, type ExceptionScope } from './exception.js';

/** Kyverno cuts generated rule names to this length. */
const MAX_RULE_NAME = 63;

const cronJobKinds: readonly string[] = ['CronJob'];
const autogenKinds: readonly string[] = podControllerKinds.filter((k) => k !== 'CronJob');

export const isPodController = (kind: string): boolean =>
  (podControllerKinds as readonly string[]).includes(kind);

/** The rule names Kyverno generates from a Pod rule for the given controller kinds. */
export function autogenRuleNames(rule: string, kinds: readonly string[]): string[] {
  const names: string[] = [];
  if (kinds.some((k) => autogenKinds.includes(k) || cronJobKinds.includes(k))) {
    names.push(`autogen-${rule}`.slice(0, MAX_RULE_NAME));
  }
  if (kinds.some((k) => cronJobKinds.includes(k)))
    names.push(`autogen-cronjob-${rule}`.slice(0, MAX_RULE_NAME));
  return names;
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];

/**
 * Kyverno checks Pod controllers with autogen rules and their Pods with the rule itself, so excepting a
 * Deployment means excepting its rule names, its Pods (named `<name>-…`) and, for a CronJob, its Jobs.
 * This is the shape `kyverno apply --generate-exceptions` produces.
 */
export function expandForControllers(scope: ExceptionScope): ExceptionScope {
  if (!scope.kinds.some(isPodController)) return scope;
  const kinds = [...scope.kinds];
  if (kinds.includes('CronJob')) kinds.push('Job');
  kinds.push('Pod');
  const rules = scope.rules.flatMap((r) =>
    r.startsWith('autogen-') ? [r] : [r, ...autogenRuleNames(r, kinds)],
  );
  const names = scope.names.flatMap((n) => (n.endsWith('*') ? [n] : [n, `${n}-*`]));
  return { ...scope, kinds: unique(kinds), rules: unique(rules), names: unique(names) };
}
