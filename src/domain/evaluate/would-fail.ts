import { describeFailures } from '../pss/covers.js';
import { podSecurityResult, type PodSecurityRule } from '../pss/evaluate.js';
import { parseLevelVersion } from '../pss/registry.js';
import { evaluateValidatingPolicy } from './cel-policy.js';
import { evaluateValidateRule } from './kyverno-rule.js';
import {
  notKnown,
  wouldFail,
  wouldPass,
  type PolicyDocument,
  type RuleUnderTest,
  type RuleVerdict,
} from './rule-verdict.js';

/** A verdict, and for bad input (a pattern or expression Kyverno refuses) a finding naming the policy. */
export type VerdictWithFinding = RuleVerdict & { finding?: string };

/** What an evaluation may also read: the instant (time functions) and the namespace's labels. */
export interface EvaluationContext {
  nowMs?: number | undefined;
  namespaceLabels?: Readonly<Record<string, string>> | undefined;
  /** The resource's Namespace object, for CEL's `namespaceObject`. */
  namespaceObject?: Readonly<Record<string, unknown>> | undefined;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asObject = (v: unknown): Json => (isObject(v) ? v : {});

/** A kyverno.io rule as far as evaluation reads it. */
export interface KyvernoRule extends Json {
  name?: string;
  context?: unknown[];
  preconditions?: unknown;
  validate?: Json;
  verifyImages?: unknown;
  mutate?: unknown;
  generate?: unknown;
}

/**
 * Which rule a report names and what it reads. For an autogen rule, `rule` and `object` are the Pod rule
 * and the Pod template (what a Pod Security check reads); `generated` and `resource` are the rule as
 * Kyverno's autogen rewrites it (patterns wrapped in `spec.template`, `request.object.spec` →
 * `request.object.spec.template.spec`) and the whole controller, which is what pattern and deny rules
 * are checked with, so the answer is Kyverno's by construction.
 */
export interface RuleTarget {
  rule: KyvernoRule;
  /** The object the Pod rule reads as `request.object` (the Pod template for an autogen rule). */
  object: Json;
  /** Set when the rule is the autogen copy: the path of the template inside the controller. */
  templatePath?: string;
  /** The rule as Kyverno runs it on `resource` (the rule itself when it is not an autogen copy). */
  generated: KyvernoRule;
  /** The whole resource. */
  resource: Json;
}

const CEL_VALIDATING = new Set(['ValidatingPolicy', 'NamespacedValidatingPolicy']);
const KYVERNO_KINDS = new Set(['ClusterPolicy', 'Policy']);

export const policyLabel = (policy: PolicyDocument): string => {
  const meta = asObject(policy.metadata);
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
  return `${typeof policy.kind === 'string' ? policy.kind : 'policy'} ${namespace ? `${namespace}/` : ''}${name}`;
};

const podTemplate = (template: Json): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: asObject(template['metadata']),
  spec: asObject(template['spec']),
});

const REPLACEMENTS: Record<'Pod' | 'Cronjob', [string, string][]> = {
  Pod: [
    ['request.object.spec', 'request.object.spec.template.spec'],
    ['request.oldObject.spec', 'request.oldObject.spec.template.spec'],
    ['request.object.metadata', 'request.object.spec.template.metadata'],
    ['request.oldObject.metadata', 'request.oldObject.spec.template.metadata'],
  ],
  Cronjob: [
    ['request.object.spec', 'request.object.spec.jobTemplate.spec.template.spec'],
    ['request.oldObject.spec', 'request.oldObject.spec.jobTemplate.spec.template.spec'],
    ['request.object.metadata', 'request.object.spec.jobTemplate.spec.template.metadata'],
    ['request.oldObject.metadata', 'request.oldObject.spec.jobTemplate.spec.template.metadata'],
  ],
};

/**
 * pkg/autogen/v1 generateRule + convertRule for the validate rules: a pattern (or each anyPattern) is
 * wrapped under `spec.template` (`spec.jobTemplate.spec.template`), deny is kept, and the rule's JSON has
 * its `request.object.spec` / `.metadata` paths rewritten as text, as Kyverno does.
 */
const generatedRules = {
  Pod: new WeakMap<object, KyvernoRule>(),
  Cronjob: new WeakMap<object, KyvernoRule>(),
};

/** autogenRule, once per rule object: the generated rule is then one object, prepared once. */
function generatedRule(rule: KyvernoRule, kind: 'Pod' | 'Cronjob'): KyvernoRule {
  let generated = generatedRules[kind].get(rule);
  if (!generated) {
    generated = autogenRule(rule, kind);
    generatedRules[kind].set(rule, generated);
  }
  return generated;
}

export function autogenRule(rule: KyvernoRule, kind: 'Pod' | 'Cronjob'): KyvernoRule {
  const wrap = (p: unknown): Json =>
    kind === 'Pod' ? { spec: { template: p } } : { spec: { jobTemplate: { spec: { template: p } } } };
  const copy: KyvernoRule = {
    ...rule,
    name: `${kind === 'Pod' ? 'autogen' : 'autogen-cronjob'}-${rule.name ?? ''}`.slice(0, 63),
  };
  const validate = rule.validate;
  if (validate) {
    const kept = { message: validate['message'], failureAction: validate['failureAction'] };
    if (validate['pattern'] !== undefined) copy.validate = { ...kept, pattern: wrap(validate['pattern']) };
    else if (validate['deny'] !== undefined) copy.validate = { ...kept, deny: validate['deny'] };
    else if (validate['podSecurity'] !== undefined)
      copy.validate = { ...kept, podSecurity: validate['podSecurity'] };
    else if (Array.isArray(validate['anyPattern']))
      copy.validate = { ...kept, anyPattern: (validate['anyPattern'] as unknown[]).map(wrap) };
  }
  let text = JSON.stringify(copy);
  const cel = isObject(validate) && validate['cel'] !== undefined;
  for (const [from, to] of REPLACEMENTS[kind])
    text = text
      .split(cel ? from.replace(/^request\./, '') : from)
      .join(cel ? to.replace(/^request\./, '') : to);
  return JSON.parse(text) as KyvernoRule;
}

/**
 * The rule a report names and the object it reads. `autogen-X` is rule X on `spec.template`,
 * `autogen-cronjob-X` rule X on `spec.jobTemplate.spec.template`, unless the policy lists the generated
 * rule itself (older Kyverno wrote them into `spec.rules`; newer into `status.autogen.rules`).
 */
export function ruleTarget(policy: PolicyDocument, ruleName: string, object: Json): RuleTarget | string {
  const spec = asObject(policy.spec);
  const rules = (Array.isArray(spec['rules']) ? spec['rules'] : []).filter(isObject) as KyvernoRule[];
  const autogen = asObject(asObject(policy['status'])['autogen'])['rules'];
  const generated = (Array.isArray(autogen) ? autogen : []).filter(isObject) as KyvernoRule[];
  const own = [...rules, ...generated].find((r) => r.name === ruleName);
  if (own) return { rule: own, object, generated: own, resource: object };
  const cron = /^autogen-cronjob-(.+)$/.exec(ruleName);
  const plain = /^autogen-(.+)$/.exec(ruleName);
  const base = cron?.[1] ?? plain?.[1];
  if (base === undefined) return `${policyLabel(policy)} has no rule ${ruleName}`;
  // Generated names are cut at 63 characters: the base may be a prefix of the rule's name.
  const source = rules.find((r) => r.name === base || (ruleName.length === 63 && r.name?.startsWith(base)));
  if (!source) return `${policyLabel(policy)} has no rule ${base} to generate ${ruleName} from`;
  if (cron) {
    const job = asObject(asObject(object['spec'])['jobTemplate']);
    const template = asObject(job['spec'])['template'];
    if (!isObject(template))
      return `${ruleName} reads spec.jobTemplate.spec.template, which the object lacks`;
    return {
      rule: source,
      object: podTemplate(template),
      templatePath: 'spec.jobTemplate.spec.template',
      generated: generatedRule(source, 'Cronjob'),
      resource: object,
    };
  }
  const template = asObject(asObject(object['spec'])['template']);
  return {
    rule: source,
    object: podTemplate(template),
    templatePath: 'spec.template',
    generated: generatedRule(source, 'Pod'),
    resource: object,
  };
}

/**
 * "Would it still fail?": what one policy rule says of a resource with no exception in play. Pure and
 * total: bad input (an unknown anchor, CEL that does not compile) is an `unknown` verdict whose `why`
 * names the policy and the expression, never a throw.
 */
export function ruleWithoutException(
  test: RuleUnderTest,
  context: EvaluationContext = {},
): VerdictWithFinding {
  try {
    return dispatch(test, context);
  } catch (e) {
    return notKnown(
      `${policyLabel(test.policy)}: evaluation failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function dispatch(test: RuleUnderTest, context: EvaluationContext): VerdictWithFinding {
  const kind = typeof test.policy.kind === 'string' ? test.policy.kind : '';
  const object = test.resource.object;
  if (!object) return notKnown('the resource was not read whole: its fields are needed to evaluate');
  if (CEL_VALIDATING.has(kind)) return celPolicyWithoutException(test, context);
  if (!KYVERNO_KINDS.has(kind)) return notKnown(`${kind || 'a policy without a kind'} is not evaluated here`);
  const target = ruleTarget(test.policy, test.rule, object);
  if (typeof target === 'string') return notKnown(target);
  return kyvernoRuleWithoutException(test.policy, target, test.resource.namespace, context);
}

/** The kyverno.io rule types: what each needs decides whether the answer can be known here. */
export function kyvernoRuleWithoutException(
  policy: PolicyDocument,
  target: RuleTarget,
  namespace: string | undefined,
  context: EvaluationContext,
): VerdictWithFinding {
  const rule = target.generated;
  const name = rule.name ?? '';
  if (rule.verifyImages !== undefined)
    return notKnown(`rule ${name} verifies image signatures: that needs the registry`);
  if (!rule.validate) return notKnown(`rule ${name} does not validate (mutate or generate): nothing to fail`);
  const validate = rule.validate;
  if (validate['podSecurity'] !== undefined)
    return podSecurityWithoutException(policy, name, validate, target);
  if (validate['cel'] !== undefined)
    return notKnown(`rule ${name} uses validate.cel (admission parameters and bindings): not evaluated`);
  if (validate['manifests'] !== undefined)
    return notKnown(`rule ${name} verifies signed manifests: that needs the signatures`);
  const outcome = evaluateValidateRule(rule, target.resource, {
    object: target.resource,
    namespace,
    nowMs: context.nowMs,
  });
  const label = policyLabel(policy);
  switch (outcome.status) {
    case 'pass':
      return wouldPass(`rule ${name} passes: ${outcome.message}`);
    case 'skip':
      return wouldPass(`rule ${name} does not apply (Kyverno skips it): ${outcome.message}`);
    case 'fail':
      return wouldFail(`rule ${name} fails: ${outcome.message}`);
    case 'error':
      return notKnown(
        `rule ${name} ends in an error, not a fail (${outcome.message}): it blocks only under failurePolicy Fail`,
      );
    case 'unknown':
      return outcome.finding === undefined
        ? notKnown(outcome.message)
        : {
            ...notKnown(`${label}: ${outcome.message}`),
            finding: `${label} rule ${name}: ${outcome.finding}`,
          };
  }
}

/**
 * A `validate.podSecurity` rule with no exception: the pod (of a controller or CronJob, read as Kyverno's
 * getSpec reads it from the whole resource) checked at the rule's level and version minus its own
 * `exclude`.
 */
function podSecurityWithoutException(
  policy: PolicyDocument,
  name: string,
  validate: Json,
  target: RuleTarget,
): VerdictWithFinding {
  const rule = asObject(validate['podSecurity']) as PodSecurityRule;
  const parsed = parseLevelVersion(rule.level, rule.version);
  if (parsed instanceof Error) {
    const finding = `${policyLabel(policy)} rule ${name}: podSecurity ${parsed.message}`;
    return { ...notKnown(finding), finding };
  }
  const result = podSecurityResult(target.resource, rule, []);
  const level = `${String(rule.level)}:${typeof rule.version === 'string' && rule.version ? rule.version : 'latest'}`;
  switch (result.status) {
    case 'pass':
      return wouldPass(`rule ${name} passes Pod Security ${level}`);
    case 'fail':
      return wouldFail(`rule ${name} fails Pod Security ${level}: ${describeFailures(result.failures)}`);
    case 'skip':
      return wouldPass(`rule ${name} passes Pod Security ${level}`);
    case 'error':
      return notKnown(`rule ${name} cannot be judged: ${result.error}`);
  }
}

/** ValidatingPolicy / NamespacedValidatingPolicy: the `validations` in CEL. */
export function celPolicyWithoutException(
  test: RuleUnderTest,
  context: EvaluationContext,
): VerdictWithFinding {
  const label = policyLabel(test.policy);
  const object = test.resource.object ?? {};
  const outcome = evaluateValidatingPolicy(label, test.policy.spec, object, context.namespaceObject);
  switch (outcome.status) {
    case 'pass':
      return wouldPass(`${label}: ${outcome.message}`);
    case 'skip':
      return wouldPass(`${label}: ${outcome.message}`);
    case 'fail':
      return wouldFail(`${label}: ${outcome.message}`);
    case 'error':
      return notKnown(
        `${label} ends in an error, not a fail (${outcome.message}): it blocks only under failurePolicy Fail`,
      );
    case 'unknown':
      return outcome.finding === undefined
        ? notKnown(outcome.message)
        : { ...notKnown(outcome.message), finding: outcome.finding };
  }
}
