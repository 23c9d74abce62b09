import { notKnown, type PolicyDocument, type RuleUnderTest, type RuleVerdict } from './rule-verdict.js';

/** What an evaluation may also read: the instant (time functions) and the namespace's labels. */
export interface EvaluationContext {
  nowMs?: number | undefined;
  namespaceLabels?: Readonly<Record<string, string>> | undefined;
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
 * Which object a rule is checked against. Kyverno's autogen rewrites a Pod rule's patterns and variables
 * for controllers (`spec` → `spec.template.spec`, `metadata` → `spec.template.metadata`); checking the
 * original rule against the Pod template is the same check.
 */
export interface RuleTarget {
  rule: KyvernoRule;
  /** The object the rule reads as `request.object` (the Pod template for an autogen rule). */
  object: Json;
  /** Set when the rule is the autogen copy: the path of the template inside the controller. */
  templatePath?: string;
}

const CEL_VALIDATING = new Set(['ValidatingPolicy', 'NamespacedValidatingPolicy']);
const KYVERNO_KINDS = new Set(['ClusterPolicy', 'Policy']);

const policyLabel = (policy: PolicyDocument): string => {
  const meta = asObject(policy.metadata);
  const name = typeof meta['name'] === 'string' ? meta['name'] : '';
  const namespace = typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
  return `${typeof policy.kind === 'string' ? policy.kind : 'policy'} ${namespace ? `${namespace}/` : ''}${name}`;
};

const podTemplate = (template: unknown): Json => {
  const t = asObject(template);
  return { apiVersion: 'v1', kind: 'Pod', metadata: asObject(t['metadata']), spec: asObject(t['spec']) };
};

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
  if (own) return { rule: own, object };
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
    return { rule: source, object: podTemplate(template), templatePath: 'spec.jobTemplate.spec.template' };
  }
  const template = asObject(object['spec'])['template'];
  if (!isObject(template)) return `${ruleName} reads spec.template, which the object lacks`;
  return { rule: source, object: podTemplate(template), templatePath: 'spec.template' };
}

/**
 * "Would it still fail?": what one policy rule says of a resource with no exception in play. Pure and
 * total: bad input (an unknown anchor, CEL that does not compile) is an `unknown` verdict whose `why`
 * names the policy and the expression, never a throw.
 */
export function ruleWithoutException(test: RuleUnderTest, context: EvaluationContext = {}): RuleVerdict {
  try {
    return dispatch(test, context);
  } catch (e) {
    return notKnown(
      `${policyLabel(test.policy)}: evaluation failed: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function dispatch(test: RuleUnderTest, context: EvaluationContext): RuleVerdict {
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
  _namespace: string | undefined,
  _context: EvaluationContext,
): RuleVerdict {
  const { rule } = target;
  const name = rule.name ?? '';
  if (rule.verifyImages !== undefined)
    return notKnown(`rule ${name} verifies image signatures: that needs the registry`);
  if (!rule.validate) return notKnown(`rule ${name} does not validate (mutate or generate): nothing to fail`);
  const validate = rule.validate;
  if (validate['podSecurity'] !== undefined)
    return notKnown(`rule ${name} checks Pod Security: not evaluated yet`);
  if (validate['cel'] !== undefined)
    return notKnown(`rule ${name} uses validate.cel, which needs admission parameters: not evaluated`);
  if (validate['foreach'] !== undefined) return notKnown(`rule ${name} uses foreach: not evaluated`);
  if (validate['manifests'] !== undefined)
    return notKnown(`rule ${name} verifies signed manifests: that needs the signatures`);
  if (validate['pattern'] === undefined && validate['anyPattern'] === undefined && !validate['deny'])
    return notKnown(`rule ${name} of ${policyLabel(policy)} has no pattern, anyPattern or deny`);
  return notKnown(`rule ${name}: pattern evaluation is not written yet`);
}

/** ValidatingPolicy / NamespacedValidatingPolicy: the `validations` in CEL. */
export function celPolicyWithoutException(test: RuleUnderTest, _context: EvaluationContext): RuleVerdict {
  return notKnown(`${policyLabel(test.policy)}: CEL evaluation is not written yet`);
}
