import { CEL_POLICY_KINDS } from './cel-exception.js';
import { compileCel } from './cel-match.js';
import {
  selectorMatches,
  type LabelSelector,
  type ResourceUnderTest,
  type Verdict,
} from './exception-match.js';

/**
 * Which resources a CEL policy (ValidatingPolicy and kin) evaluates, as Kyverno decides it from the policy
 * itself (pkg/cel/matching, pkg/cel/autogen, pkg/cel/policies/*, read at 111e07b): its `matchConstraints`
 * as the API server's admission matcher reads them, its own `matchConditions`, and the Pod controller
 * variants autogen makes of it. An exception can only skip what this selects.
 */

/** The namespaced CEL policy kinds: each applies to resources in its own namespace only. */
export const NAMESPACED_CEL_POLICY_KINDS = [
  'NamespacedValidatingPolicy',
  'NamespacedImageValidatingPolicy',
  'NamespacedMutatingPolicy',
  'NamespacedGeneratingPolicy',
  'NamespacedDeletingPolicy',
] as const;

const ALL_KINDS: readonly string[] = [...CEL_POLICY_KINDS, ...NAMESPACED_CEL_POLICY_KINDS];

/** A policies.kyverno.io policy object, cluster-wide or namespaced. */
export const isCelPolicyDoc = (doc: object): boolean => {
  const { apiVersion, kind } = doc as { apiVersion?: unknown; kind?: unknown };
  return ALL_KINDS.includes(String(kind)) && String(apiVersion).startsWith('policies.kyverno.io/');
};

export interface ResourceRule {
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  operations?: string[];
  resourceNames?: string[];
  scope?: string;
}

export interface MatchResources {
  resourceRules?: ResourceRule[];
  excludeResourceRules?: ResourceRule[];
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
}

interface Condition {
  name?: string;
  expression?: string;
}

/** One policy as Kyverno compiles it: the policy itself, or one of its autogen variants. */
export interface CelVariant {
  /** `policy`, or the autogen configuration: `defaults` (template controllers) or `cronjobs`. */
  name: string;
  /** Undefined: the policy has no matchConstraints, and Kyverno's engine then matches nothing. */
  match: MatchResources | undefined;
  conditions: PreparedCondition[];
  /** The kinds autogen generated this variant for. */
  kinds?: string[];
}

export interface CelPolicyMatch {
  /** Kyverno does not run operations on a DeletingPolicy: it lists what matches on a schedule. */
  anyOperation: boolean;
  /**
   * ValidatingPolicy, GeneratingPolicy and DeletingPolicy try their exceptions before their own match
   * conditions (vpol/gpol/dpol compiler/policy.go): an exception skips what the constraints select,
   * conditions or not. ImageValidatingPolicy and MutatingPolicy check their conditions first.
   */
  exceptionsFirst: boolean;
  variants: CelVariant[];
}

export interface CelPolicyDoc {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: {
    matchConstraints?: MatchResources;
    matchConditions?: Condition[];
    /** DeletingPolicy's name for its match conditions. */
    conditions?: Condition[];
    autogen?: { podControllers?: { controllers?: string[] | null } };
    /** `mode: JSON`: the policy judges JSON payloads, never Kubernetes objects. */
    evaluation?: { mode?: string };
  };
}

/** pkg/cel/autogen/data.go: the controllers autogen knows, and the path their Pod template sits at. */
const CONTROLLERS = {
  daemonsets: { group: 'apps', resource: 'daemonsets', kind: 'DaemonSet', config: 'defaults' },
  deployments: { group: 'apps', resource: 'deployments', kind: 'Deployment', config: 'defaults' },
  replicasets: { group: 'apps', resource: 'replicasets', kind: 'ReplicaSet', config: 'defaults' },
  statefulsets: { group: 'apps', resource: 'statefulsets', kind: 'StatefulSet', config: 'defaults' },
  jobs: { group: 'batch', resource: 'jobs', kind: 'Job', config: 'defaults' },
  cronjobs: { group: 'batch', resource: 'cronjobs', kind: 'CronJob', config: 'cronjobs' },
} as const;
type Controller = keyof typeof CONTROLLERS;

const TEMPLATE = {
  defaults: { spec: 'spec.template.spec', metadata: 'spec.template.metadata' },
  cronjobs: {
    spec: 'spec.jobTemplate.spec.template.spec',
    metadata: 'spec.jobTemplate.spec.template.metadata',
  },
} as const;

/** CanAutoGen: one rule, for core/v1 pods only, without names, exclusions or an object selector. */
function canAutogen(match: MatchResources | undefined): boolean {
  if (!match) return false;
  const selector = match.objectSelector;
  if (selector && (Object.keys(selector.matchLabels ?? {}).length || selector.matchExpressions?.length))
    return false;
  if (match.excludeResourceRules?.length) return false;
  const [rule, ...more] = match.resourceRules ?? [];
  if (!rule || more.length || rule.resourceNames?.length) return false;
  const only = (list: string[] | undefined, value: string) => list?.length === 1 && list[0] === value;
  return only(rule.apiGroups, '') && only(rule.apiVersions, 'v1') && only(rule.resources, 'pods');
}

/**
 * ValidatingPolicy and ImageValidatingPolicy rewrite the policy's text: `object.spec` and `object.metadata`
 * (not `.namespace`, which stays the controller's) point into the Pod template (replacement.go).
 */
function rewriteTemplate(expression: string, config: keyof typeof TEMPLATE): string {
  let out = expression;
  for (const [from, to] of [
    ['spec', TEMPLATE[config].spec],
    ['metadata', TEMPLATE[config].metadata],
  ] as const)
    for (const root of ['object', 'oldObject'])
      out = out.replace(
        new RegExp(`${root}\\.${from}(?!\\.namespace(?![A-Za-z0-9_]))`, 'g'),
        `${root}.${to}`,
      );
  return out;
}

/** MutatingPolicy's own rewrite (mpol/autogen): spec, and only the labels and annotations of metadata. */
function rewriteMutating(expression: string, config: keyof typeof TEMPLATE): string {
  const { spec, metadata } = TEMPLATE[config];
  return expression
    .replace(/\b(object|oldObject|Object)\.spec/g, `$1.${spec}`)
    .replace(/\b(object|oldObject|Object)\.metadata\.labels/g, `$1.${metadata}.labels`)
    .replace(/\b(object|oldObject|Object)\.metadata\.annotations/g, `$1.${metadata}.annotations`);
}

const AUTOGEN_KINDS = ['ValidatingPolicy', 'ImageValidatingPolicy', 'MutatingPolicy'];

/**
 * The policy and its autogen variants, each with its match constraints and conditions. Kyverno makes the
 * variants for ValidatingPolicy, ImageValidatingPolicy and MutatingPolicy (and their namespaced kinds)
 * when the policy matches Pods only; `spec.autogen.podControllers.controllers` names the controllers
 * (all six when unset, none when empty).
 */
export function celPolicyMatch(policy: CelPolicyDoc): CelPolicyMatch {
  const kind = (policy.kind ?? '').replace(/^Namespaced/, '');
  const spec = policy.spec ?? {};
  const match = spec.matchConstraints ?? {};
  const conditions = (kind === 'DeletingPolicy' ? spec.conditions : spec.matchConditions) ?? [];
  const json = spec.evaluation?.mode === 'JSON';
  const variants: CelVariant[] = json
    ? []
    : [{ name: 'policy', match: spec.matchConstraints, conditions: conditions.map(prepare) }];
  if (!json && AUTOGEN_KINDS.includes(kind) && canAutogen(spec.matchConstraints)) {
    const configured = spec.autogen?.podControllers?.controllers;
    const controllers = (configured ?? Object.keys(CONTROLLERS)).filter(
      (c): c is Controller => c in CONTROLLERS,
    );
    const operations = match.resourceRules?.[0]?.operations ?? [];
    for (const config of ['cronjobs', 'defaults'] as const) {
      const targets = controllers.map((c) => CONTROLLERS[c]).filter((c) => c.config === config);
      if (!targets.length || !operations.length) continue;
      const groups = [...new Set(targets.map((t) => t.group))].sort();
      const rewrite = kind === 'MutatingPolicy' ? rewriteMutating : rewriteTemplate;
      variants.push({
        name: config,
        kinds: targets.map((t) => t.kind),
        match: {
          resourceRules: groups.map((group) => ({
            apiGroups: [group],
            apiVersions: ['v1'],
            resources: targets
              .filter((t) => t.group === group)
              .map((t) => t.resource)
              .sort(),
            operations,
          })),
          ...(match.namespaceSelector ? { namespaceSelector: match.namespaceSelector } : {}),
        },
        conditions: conditions.map((c) => prepare({ ...c, expression: rewrite(c.expression ?? '', config) })),
      });
    }
  }
  return {
    anyOperation: kind === 'DeletingPolicy',
    exceptionsFirst: ['ValidatingPolicy', 'GeneratingPolicy', 'DeletingPolicy'].includes(kind),
    variants,
  };
}

/**
 * What is wrong with a policy's selection: a resource rule with an empty list (it matches nothing), and
 * each match condition that does not compile, named with its expression (Kyverno then loads none of it).
 */
export function celPolicyFindings(policy: CelPolicyDoc): string[] {
  const name = `${policy.kind ?? ''}/${policy.metadata?.name ?? ''}`;
  const kind = (policy.kind ?? '').replace(/^Namespaced/, '');
  // Kyverno's matcher reads an empty list as none: such a rule matches nothing.
  const empty = (policy.spec?.matchConstraints?.resourceRules ?? []).flatMap((r, i) =>
    (['apiGroups', 'apiVersions', 'resources', 'operations'] as const)
      .filter((f) => !r[f]?.length && !(f === 'operations' && kind === 'DeletingPolicy'))
      .map((f) => `${name}: matchConstraints.resourceRules[${i}].${f} is empty: the rule matches nothing`),
  );
  const json =
    policy.spec?.evaluation?.mode === 'JSON'
      ? [`${name}: evaluation.mode is JSON: it judges JSON payloads, never the Kubernetes objects given`]
      : [];
  return [...json, ...empty, ...celCompileFindings(policy)];
}

/** The match conditions that do not compile, each named with its expression: Kyverno rejects the policy. */
export function celCompileFindings(policy: CelPolicyDoc): string[] {
  const name = `${policy.kind ?? ''}/${policy.metadata?.name ?? ''}`;
  const kind = (policy.kind ?? '').replace(/^Namespaced/, '');
  const field = kind === 'DeletingPolicy' ? 'conditions' : 'matchConditions';
  const conditions =
    (kind === 'DeletingPolicy' ? policy.spec?.conditions : policy.spec?.matchConditions) ?? [];
  return conditions.flatMap((c) => {
    const compiled = compileCel(c.expression ?? '');
    return compiled instanceof Error
      ? [
          `${name}: ${field} ${c.name ?? ''} does not compile (${compiled.message}): ${c.expression ?? ''}; Kyverno does not load the policy, so it evaluates nothing`,
        ]
      : [];
  });
}

/**
 * Built-in kinds by group: their resource (plural, lower-case, as resourceRules name them) and whether
 * they are cluster-scoped. What the API server's discovery answers; a kind not listed is a CRD here.
 */
const BUILT_IN: Record<string, Record<string, [string, 'Namespaced' | 'Cluster']>> = {
  '': {
    Binding: ['bindings', 'Namespaced'],
    ComponentStatus: ['componentstatuses', 'Cluster'],
    ConfigMap: ['configmaps', 'Namespaced'],
    Endpoints: ['endpoints', 'Namespaced'],
    Event: ['events', 'Namespaced'],
    LimitRange: ['limitranges', 'Namespaced'],
    Namespace: ['namespaces', 'Cluster'],
    Node: ['nodes', 'Cluster'],
    PersistentVolume: ['persistentvolumes', 'Cluster'],
    PersistentVolumeClaim: ['persistentvolumeclaims', 'Namespaced'],
    Pod: ['pods', 'Namespaced'],
    PodTemplate: ['podtemplates', 'Namespaced'],
    ReplicationController: ['replicationcontrollers', 'Namespaced'],
    ResourceQuota: ['resourcequotas', 'Namespaced'],
    Secret: ['secrets', 'Namespaced'],
    Service: ['services', 'Namespaced'],
    ServiceAccount: ['serviceaccounts', 'Namespaced'],
  },
  apps: {
    ControllerRevision: ['controllerrevisions', 'Namespaced'],
    DaemonSet: ['daemonsets', 'Namespaced'],
    Deployment: ['deployments', 'Namespaced'],
    ReplicaSet: ['replicasets', 'Namespaced'],
    StatefulSet: ['statefulsets', 'Namespaced'],
  },
  batch: { CronJob: ['cronjobs', 'Namespaced'], Job: ['jobs', 'Namespaced'] },
  autoscaling: { HorizontalPodAutoscaler: ['horizontalpodautoscalers', 'Namespaced'] },
  policy: { PodDisruptionBudget: ['poddisruptionbudgets', 'Namespaced'] },
  'networking.k8s.io': {
    Ingress: ['ingresses', 'Namespaced'],
    IngressClass: ['ingressclasses', 'Cluster'],
    NetworkPolicy: ['networkpolicies', 'Namespaced'],
  },
  'rbac.authorization.k8s.io': {
    ClusterRole: ['clusterroles', 'Cluster'],
    ClusterRoleBinding: ['clusterrolebindings', 'Cluster'],
    Role: ['roles', 'Namespaced'],
    RoleBinding: ['rolebindings', 'Namespaced'],
  },
  'storage.k8s.io': {
    CSIDriver: ['csidrivers', 'Cluster'],
    CSINode: ['csinodes', 'Cluster'],
    CSIStorageCapacity: ['csistoragecapacities', 'Namespaced'],
    StorageClass: ['storageclasses', 'Cluster'],
    VolumeAttachment: ['volumeattachments', 'Cluster'],
  },
  'admissionregistration.k8s.io': {
    MutatingAdmissionPolicy: ['mutatingadmissionpolicies', 'Cluster'],
    MutatingAdmissionPolicyBinding: ['mutatingadmissionpolicybindings', 'Cluster'],
    MutatingWebhookConfiguration: ['mutatingwebhookconfigurations', 'Cluster'],
    ValidatingAdmissionPolicy: ['validatingadmissionpolicies', 'Cluster'],
    ValidatingAdmissionPolicyBinding: ['validatingadmissionpolicybindings', 'Cluster'],
    ValidatingWebhookConfiguration: ['validatingwebhookconfigurations', 'Cluster'],
  },
  'apiextensions.k8s.io': { CustomResourceDefinition: ['customresourcedefinitions', 'Cluster'] },
  'apiregistration.k8s.io': { APIService: ['apiservices', 'Cluster'] },
  'certificates.k8s.io': { CertificateSigningRequest: ['certificatesigningrequests', 'Cluster'] },
  'coordination.k8s.io': { Lease: ['leases', 'Namespaced'] },
  'discovery.k8s.io': { EndpointSlice: ['endpointslices', 'Namespaced'] },
  'events.k8s.io': { Event: ['events', 'Namespaced'] },
  'node.k8s.io': { RuntimeClass: ['runtimeclasses', 'Cluster'] },
  'scheduling.k8s.io': { PriorityClass: ['priorityclasses', 'Cluster'] },
  'flowcontrol.apiserver.k8s.io': {
    FlowSchema: ['flowschemas', 'Cluster'],
    PriorityLevelConfiguration: ['prioritylevelconfigurations', 'Cluster'],
  },
};

/** A resource's group, version, resource name (undefined for a kind not in the table) and scope. */
export function resourceCoordinates(resource: Pick<ResourceUnderTest, 'apiVersion' | 'kind' | 'namespace'>): {
  group: string;
  version: string;
  resource: string | undefined;
  cluster: boolean;
} {
  const [group, version] = resource.apiVersion.includes('/')
    ? (resource.apiVersion.split('/', 2) as [string, string])
    : ['', resource.apiVersion];
  const known = BUILT_IN[group]?.[resource.kind];
  return {
    group,
    version,
    resource: known?.[0],
    cluster: known ? known[1] === 'Cluster' : !resource.namespace,
  };
}

const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', '*'];

const yes = (why: string): Verdict => ({ covered: true, why });
const no = (why: string): Verdict => ({ covered: false, why });
const unknown = (why: string): Verdict => ({ covered: 'unknown', why });

/**
 * One resource rule as the API server's rules.Matcher reads it: operations, group, version, resource
 * (`*`, `name`, `name/*`; a resource has no subresource here) and scope; then resourceNames, exact.
 */
function ruleMatches(rule: ResourceRule, resource: ResourceUnderTest, anyOperation: boolean): Verdict {
  const at = resourceCoordinates(resource);
  // A resource that exists is judged as its background scan judges it (CREATE), and at admission on
  // UPDATE and DELETE: a rule for any of those evaluates it. CONNECT concerns subresources only.
  if (!anyOperation && !(rule.operations ?? []).some((o) => OPERATIONS.includes(o)))
    return no(`its operations (${(rule.operations ?? []).join(', ') || 'none'}) never reach an object`);
  const listed = (list: string[] | undefined, value: string) =>
    (list ?? []).some((v) => v === '*' || v === value);
  if (!listed(rule.apiGroups, at.group)) return no(`group "${at.group}" is not among its apiGroups`);
  if (!listed(rule.apiVersions, at.version)) return no(`version ${at.version} is not among its apiVersions`);
  const resources = (rule.resources ?? []).map((r) => r.split('/', 2) as [string, string?]);
  const named = resources.filter(([, sub]) => sub === undefined || sub === '*');
  if (!named.some(([r]) => r === '*')) {
    if (at.resource === undefined) {
      if (named.length)
        return unknown(
          `kind ${resource.kind} of ${resource.apiVersion} is not a built-in kind: its resource name is not known here`,
        );
      return no(`its resources (${(rule.resources ?? []).join(', ')}) name subresources only`);
    }
    if (!named.some(([r]) => r === at.resource))
      return no(`${at.resource} is not among its resources (${(rule.resources ?? []).join(', ')})`);
  }
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && !at.cluster) return no('its scope is Cluster and the resource is namespaced');
  if (scope === 'Namespaced' && at.cluster)
    return no('its scope is Namespaced and the resource is cluster-scoped');
  if (rule.resourceNames?.length) {
    const name = resource.name;
    const hit = name
      ? rule.resourceNames.includes(name)
      : rule.resourceNames.some((n) => (resource.generateName ?? '').startsWith(n));
    if (!hit) return no(`name ${name || resource.generateName || ''} is not among its resourceNames`);
  }
  return yes('a resource rule matches');
}

const anyRule = (rules: ResourceRule[], resource: ResourceUnderTest, anyOperation: boolean): Verdict => {
  const verdicts = rules.map((r) => ruleMatches(r, resource, anyOperation));
  return (
    verdicts.find((v) => v.covered === true) ??
    verdicts.find((v) => v.covered === 'unknown') ??
    no(verdicts.map((v) => v.why).join('; ') || 'it has no resource rule')
  );
};

/** `kubernetes.io/metadata.name` is on every namespace: the API server sets it. */
const NAME_LABEL = 'kubernetes.io/metadata.name';

function namespaceSelected(
  selector: LabelSelector | undefined,
  resource: ResourceUnderTest,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): Verdict {
  const empty =
    !selector || (!Object.keys(selector.matchLabels ?? {}).length && !selector.matchExpressions?.length);
  if (empty) return yes('no namespace selector');
  // A Namespace is judged by its own labels; another cluster-scoped object is never excluded by it.
  if (resource.kind === 'Namespace' && resource.apiVersion === 'v1')
    return selectorMatches(selector, { ...resource.labels, [NAME_LABEL]: resource.name })
      ? yes('the namespace selector matches its labels')
      : no("the namespace selector does not match the Namespace's labels");
  const namespace = resource.namespace;
  if (!namespace) return yes('a cluster-scoped resource is not limited by the namespace selector');
  if (namespaceLabels)
    return selectorMatches(selector, { ...namespaceLabels, [NAME_LABEL]: namespace })
      ? yes('the namespace selector matches')
      : no(`namespace ${namespace}'s labels do not match the namespace selector`);
  const keys = [
    ...Object.keys(selector.matchLabels ?? {}),
    ...(selector.matchExpressions ?? []).map((e) => e.key),
  ];
  // Only the name label read: the answer needs no other label.
  if (keys.every((k) => k === NAME_LABEL))
    return selectorMatches(selector, { [NAME_LABEL]: namespace })
      ? yes('the namespace selector matches the namespace name')
      : no(`the namespace selector does not select namespace ${namespace}`);
  return unknown(`the labels of namespace ${namespace} are not known (give its Namespace object)`);
}

/**
 * Variables a policy's match condition may read that are not given offline: the request and its user.
 */
const UNGIVEN = /(^|[^.\w])(request|params|namespaceObject|authorizer|variables)\b/;
/** The lists of the partial exceptions: known once the exceptions that match are. */
const READS_EXCEPTIONS = /(^|[^.\w])exceptions\b/;

/** A condition compiled once per policy, not once per resource; `ungiven` when it reads admission data. */
interface PreparedCondition {
  name: string;
  expression: string;
  program: ReturnType<typeof compileCel> | 'ungiven';
  readsExceptions: boolean;
}

function prepare(c: Condition): PreparedCondition {
  const expression = c.expression ?? '';
  return {
    name: c.name ?? '',
    expression,
    program: UNGIVEN.test(expression) ? 'ungiven' : compileCel(expression),
    readsExceptions: READS_EXCEPTIONS.test(expression),
  };
}

/** What the matching partial exceptions lend a policy, bound as `exceptions` (Kyverno's libs.Exception). */
export interface LentLists {
  allowedImages: string[];
  allowedValues: string[];
}

function conditionsHold(
  conditions: readonly PreparedCondition[],
  resource: ResourceUnderTest,
  lent: LentLists | undefined,
): Verdict {
  if (!conditions.length) return yes('no match condition');
  if (!resource.object) return unknown('its match conditions need the object');
  let pending: string | undefined;
  for (const { name, expression, program, readsExceptions } of conditions) {
    if (program === 'ungiven' || (readsExceptions && !lent)) {
      pending ??= readsExceptions
        ? `its match condition ${name} reads the lists partial exceptions lend (${expression})`
        : `its match condition ${name} reads admission data (${expression})`;
      continue;
    }
    if (program instanceof Error) return no(`its match condition ${name} does not compile`);
    let result: unknown;
    try {
      result = program.run({
        object: resource.object,
        oldObject: null,
        ...(lent ? { exceptions: { ...lent } } : {}),
      });
    } catch (e) {
      // The API server's matcher: an error in a match condition fails the request (failurePolicy Fail),
      // and the answer offline is not the policy's verdict either way.
      return unknown(
        `its match condition ${name} fails to evaluate: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (result !== true) return no(`its match condition ${name} is false`);
  }
  return pending ? unknown(pending) : yes('its match conditions hold');
}

/** How a variant selects a resource: by its constraints (namespaces, objects, rules), then its conditions. */
export interface CelSelection {
  selected: Verdict;
  conditions: Verdict;
  /** The autogen kinds of the variant that selects it (none: the policy itself). */
  kinds?: string[] | undefined;
}

function variantSelects(
  variant: CelVariant,
  resource: ResourceUnderTest,
  anyOperation: boolean,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): Verdict {
  const { match } = variant;
  if (!match) return no('it has no matchConstraints: Kyverno evaluates nothing with it');
  const inNamespace = namespaceSelected(match.namespaceSelector, resource, namespaceLabels);
  if (inNamespace.covered === false) return inNamespace;
  if (match.objectSelector && !selectorMatches(match.objectSelector, resource.labels ?? {}))
    return no('its objectSelector does not match the labels');
  if (match.excludeResourceRules?.length) {
    const excluded = anyRule(match.excludeResourceRules, resource, true);
    if (excluded.covered === true) return no('its excludeResourceRules exclude it');
    if (excluded.covered === 'unknown') return excluded;
  }
  const rules = match.resourceRules ?? [];
  const ruled = rules.length ? anyRule(rules, resource, anyOperation) : yes('no resource rules');
  if (ruled.covered !== true) return ruled;
  return inNamespace.covered === 'unknown' ? inNamespace : yes('its matchConstraints select it');
}

/**
 * Which variant of the policy (itself or an autogen one) selects this resource, and whether its own match
 * conditions hold. `unknown` says what is missing (the namespace's labels, admission data, the resource
 * name of a CRD).
 */
export function celPolicySelects(
  policy: CelPolicyMatch,
  resource: ResourceUnderTest,
  namespaceLabels?: Readonly<Record<string, string>>,
  lent?: LentLists,
): CelSelection {
  const verdicts = policy.variants.map((v) => ({
    v,
    selected: variantSelects(v, resource, policy.anyOperation, namespaceLabels),
  }));
  const hit =
    verdicts.find(({ selected }) => selected.covered === true) ??
    verdicts.find(({ selected }) => selected.covered === 'unknown');
  if (!hit)
    return {
      selected: no(
        `the policy does not select it: ${verdicts[0]?.selected.why ?? 'it judges JSON payloads only'}`,
      ),
      conditions: no('not selected'),
    };
  return {
    selected: hit.selected,
    conditions: conditionsHold(hit.v.conditions, resource, lent),
    kinds: hit.v.kinds,
  };
}
