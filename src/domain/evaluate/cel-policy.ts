import { kubernetesCel, toCel } from './cel-kubernetes.js';

/**
 * A ValidatingPolicy / NamespacedValidatingPolicy (policies.kyverno.io) run on one object as Kyverno's
 * CEL engine runs it (pkg/cel/policies/vpol/engine, read at main 2026-08): the policy's matchConditions
 * must all be true (else it does not apply), then every validation must be true. `variables` are
 * evaluated on first use; `messageExpression` and `auditAnnotations` decide no verdict and are ignored.
 * `exceptions` is bound as Kyverno binds it: the lists the matching partial exceptions lend, else empty.
 */
export type CelOutcome =
  | { status: 'pass' | 'skip' | 'fail' | 'error'; message: string }
  | { status: 'unknown'; message: string; finding?: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Named {
  name: string;
  expression: string;
}

/** Bindings and Kyverno libraries that read the cluster, the network or the admission request. */
const NEEDS_ADMISSION = /(^|[^.\w])(request|oldObject|params|authorizer)\b/;
const NEEDS_CLUSTER = /(^|[^.\w])(resource|http|globalContext|imagedata|generator)\.\w+\s*\(/;

const text = (v: unknown) => (typeof v === 'string' ? v : '');

function entries(list: unknown, what: string): Named[] {
  return (Array.isArray(list) ? list : []).filter(isObject).map((e, i) => ({
    name: text(e['name']) || `${what}[${i}]`,
    expression: text(e['expression']),
  }));
}

/** Kyverno's CEL autogen replacements (pkg/cel/autogen), `.namespace` kept on the object's own metadata. */
export function celAutogen(expression: string, target: 'defaults' | 'cronjobs'): string {
  const to =
    target === 'defaults'
      ? { spec: 'spec.template.spec', metadata: 'spec.template.metadata' }
      : { spec: 'spec.jobTemplate.spec.template.spec', metadata: 'spec.jobTemplate.spec.template.metadata' };
  let out = expression;
  for (const from of ['spec', 'metadata'] as const)
    for (const root of ['object.', 'oldObject.'])
      out = out.replace(
        new RegExp(`${(root + from).replace(/\./g, '\\.')}(?!\\.namespace(?![\\w]))`, 'g'),
        () => `${root}${to[from]}`,
      );
  return out;
}

const AUTOGEN_TARGETS: Record<string, { config: string; replacements: 'defaults' | 'cronjobs' }> = {
  DaemonSet: { config: 'daemonsets', replacements: 'defaults' },
  Deployment: { config: 'deployments', replacements: 'defaults' },
  ReplicaSet: { config: 'replicasets', replacements: 'defaults' },
  StatefulSet: { config: 'statefulsets', replacements: 'defaults' },
  Job: { config: 'jobs', replacements: 'defaults' },
  CronJob: { config: 'cronjobs', replacements: 'cronjobs' },
};

/** autogen.CanAutoGen: one resource rule on core v1 pods, no object selector, exclusions or names. */
function canAutogen(match: unknown): boolean {
  if (!isObject(match)) return false;
  const selector = match['objectSelector'];
  if (
    isObject(selector) &&
    (Object.keys(selector['matchLabels'] ?? {}).length ||
      (Array.isArray(selector['matchExpressions']) && selector['matchExpressions'].length))
  )
    return false;
  if (Array.isArray(match['excludeResourceRules']) && match['excludeResourceRules'].length) return false;
  const rules = match['resourceRules'];
  if (!Array.isArray(rules) || rules.length !== 1 || !isObject(rules[0])) return false;
  const rule = rules[0];
  const one = (k: string, v: string) => Array.isArray(rule[k]) && rule[k].length === 1 && rule[k][0] === v;
  if (Array.isArray(rule['resourceNames']) && rule['resourceNames'].length) return false;
  return one('apiGroups', '') && one('apiVersions', 'v1') && one('resources', 'pods');
}

/** The rewrite Kyverno applies for a Pod controller, or undefined when the policy reads it as it is. */
export function autogenFor(spec: Json, kind: string): 'defaults' | 'cronjobs' | undefined {
  const target = AUTOGEN_TARGETS[kind];
  if (!target || !canAutogen(spec['matchConstraints'])) return undefined;
  const configured =
    isObject(spec['autogen']) && isObject(spec['autogen']['podControllers'])
      ? spec['autogen']['podControllers']['controllers']
      : undefined;
  if (Array.isArray(configured) && !configured.includes(target.config)) return undefined;
  return target.replacements;
}

interface Compiled {
  run: (vars: Json) => unknown;
}

const compiledCache = new Map<string, Compiled | Error>();

function compile(expression: string): Compiled | Error {
  const cached = compiledCache.get(expression);
  if (cached) return cached;
  let result: Compiled | Error;
  try {
    const program = kubernetesCel().parse(expression);
    result = { run: (vars) => program(vars) as unknown };
  } catch (e) {
    result = new Error(e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e));
  }
  if (compiledCache.size > 5000) compiledCache.clear();
  compiledCache.set(expression, result);
  return result;
}

/** Lazily evaluated `variables.x`, as Kubernetes' composited compiler does. */
function variablesObject(variables: Named[], base: Json, errors: Map<string, Error>): Json {
  const values = new Map<string, unknown>();
  const holder: Json = {};
  for (const v of variables)
    Object.defineProperty(holder, v.name, {
      enumerable: true,
      get: () => {
        if (values.has(v.name)) return values.get(v.name);
        const compiled = compile(v.expression);
        if (compiled instanceof Error) throw compiled;
        try {
          const value = compiled.run({ ...base, variables: holder });
          values.set(v.name, value);
          return value;
        } catch (e) {
          const err = e instanceof Error ? e : new Error(String(e));
          errors.set(v.name, err);
          throw err;
        }
      },
    });
  return holder;
}

const message = (e: unknown) => (e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e));

interface PreparedPolicy {
  conditions: Named[];
  variables: Named[];
  validations: Named[];
  needsCluster: boolean;
  needsAdmission: boolean;
  readsNamespace: boolean;
}

/** A policy's expressions, rewritten for autogen and compiled, once per policy spec and rewrite. */
const preparedPolicies = new WeakMap<object, Map<string, PreparedPolicy | CelOutcome>>();

function preparePolicy(
  policyLabel: string,
  spec: Json,
  rewrite: 'defaults' | 'cronjobs' | undefined,
): PreparedPolicy | CelOutcome {
  const forSpec = preparedPolicies.get(spec) ?? new Map<string, PreparedPolicy | CelOutcome>();
  preparedPolicies.set(spec, forSpec);
  const key = `${rewrite ?? ''}\n${policyLabel}`;
  const cached = forSpec.get(key);
  if (cached) return cached;
  const result = preparePolicyOnce(policyLabel, spec, rewrite);
  forSpec.set(key, result);
  return result;
}

function preparePolicyOnce(
  policyLabel: string,
  spec: Json,
  rewrite: 'defaults' | 'cronjobs' | undefined,
): PreparedPolicy | CelOutcome {
  const apply = (e: string) => (rewrite ? celAutogen(e, rewrite) : e);
  const conditions = entries(spec['matchConditions'], 'matchConditions').map((c) => ({
    ...c,
    expression: apply(c.expression),
  }));
  const variables = entries(spec['variables'], 'variables').map((v) => ({
    ...v,
    expression: apply(v.expression),
  }));
  const validations = entries(spec['validations'], 'validations').map((v, i) => ({
    ...v,
    name: `validations[${i}]`,
    expression: apply(v.expression),
  }));
  if (!validations.length) return { status: 'unknown', message: `${policyLabel} has no validations` };
  // Compile everything first: Kyverno refuses a policy with an expression that does not compile.
  for (const e of [...conditions, ...variables, ...validations]) {
    if (!e.expression.trim())
      return {
        status: 'unknown',
        message: `${policyLabel}: ${e.name} has no expression`,
        finding: `${policyLabel}: ${e.name} has no expression`,
      };
    const compiled = compile(e.expression);
    if (compiled instanceof Error) {
      const finding = `${policyLabel}: ${e.name} "${e.expression}" does not compile: ${compiled.message}`;
      return { status: 'unknown', message: finding, finding };
    }
  }
  const used = [...conditions, ...variables, ...validations].map((e) => e.expression).join('\n');
  return {
    conditions,
    variables,
    validations,
    needsCluster: NEEDS_CLUSTER.test(used),
    needsAdmission: NEEDS_ADMISSION.test(used),
    readsNamespace: /(^|[^.\w])namespaceObject\b/.test(used),
  };
}

/** What the matching partial exceptions lend the policy (`exceptions.allowedImages` / `allowedValues`). */
export interface LentValues {
  allowedImages: string[];
  allowedValues: string[];
}

const NOTHING_LENT: LentValues = { allowedImages: [], allowedValues: [] };

export function evaluateValidatingPolicy(
  policyLabel: string,
  spec: unknown,
  object: Json,
  namespaceObject: Json | undefined,
  exceptions: LentValues = NOTHING_LENT,
): CelOutcome {
  if (!isObject(spec)) return { status: 'unknown', message: `${policyLabel} has no spec` };
  const ready = preparePolicy(policyLabel, spec, autogenFor(spec, text(object['kind'])));
  if ('status' in ready) return ready;
  const { conditions, variables, validations } = ready;
  if (ready.needsCluster)
    return {
      status: 'unknown',
      message: `${policyLabel} calls a Kyverno library that reads the cluster or the network`,
    };
  if (ready.needsAdmission)
    return {
      status: 'unknown',
      message: `${policyLabel} reads the admission request (request, oldObject, params or authorizer)`,
    };
  if (
    ready.readsNamespace &&
    namespaceObject === undefined &&
    text(asObject(object['metadata'])['namespace'])
  )
    return {
      status: 'unknown',
      message: `${policyLabel} reads namespaceObject, and the Namespace was not given`,
    };

  const errors = new Map<string, Error>();
  const base: Json = {
    object: toCel(object),
    oldObject: null,
    namespaceObject: namespaceObject === undefined ? null : toCel(namespaceObject),
    exceptions: {
      allowedImages: [...exceptions.allowedImages],
      allowedValues: [...exceptions.allowedValues],
    },
  };
  const vars: Json = { ...base, variables: variablesObject(variables, base, errors) };

  for (const c of conditions) {
    let result: unknown;
    try {
      result =
        compile(c.expression) instanceof Error ? undefined : (compile(c.expression) as Compiled).run(vars);
    } catch (e) {
      return { status: 'error', message: `matchCondition ${c.name} failed: ${message(e)}` };
    }
    if (result !== true)
      return { status: 'skip', message: `matchCondition ${c.name} is false: the policy does not apply` };
  }
  const failed: string[] = [];
  for (const v of validations) {
    let result: unknown;
    try {
      result = (compile(v.expression) as Compiled).run(vars);
    } catch (e) {
      if (/no matching overload|unknown function|no such overload/i.test(message(e)))
        return {
          status: 'unknown',
          message: `${v.name} "${v.expression}" calls what is not evaluated here: ${message(e)}`,
        };
      return { status: 'error', message: `${v.name} "${v.expression}" fails to evaluate: ${message(e)}` };
    }
    if (typeof result !== 'boolean')
      return { status: 'error', message: `${v.name} "${v.expression}" does not give a bool` };
    if (!result) failed.push(`${v.name} "${v.expression}" is false`);
  }
  return failed.length
    ? { status: 'fail', message: failed.join('; ') }
    : { status: 'pass', message: `all ${validations.length} validations hold` };
}

const asObject = (v: unknown): Json => (isObject(v) ? v : {});
