import { describe, expect, it } from 'vitest';
import { celPolicyFindings, celPolicyMatch, celPolicySelects, type CelPolicyDoc } from './cel-policy.js';
import {
  coverage,
  coverageNotes,
  policyRules,
  resourceUnderTest,
  rulesNamedBy,
  type Doc,
} from './coverage.js';

const NOW = Date.parse('2026-11-30T00:00:00Z');

const object = (
  apiVersion: string,
  kind: string,
  name: string,
  namespace?: string,
  labels: Record<string, string> = {},
  spec: Record<string, unknown> = {},
): Doc => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), labels },
  spec,
});

const policy = (
  kind: string,
  name: string,
  spec: NonNullable<CelPolicyDoc['spec']>,
  namespace?: string,
): CelPolicyDoc => ({
  apiVersion: 'policies.kyverno.io/v1',
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  spec,
});

const celException = (policyRefs: { kind: string; name: string }[], expression?: string) => ({
  namespace: 'policy-exceptions',
  name: 'ex',
  spec: {
    policyRefs,
    ...(expression ? { matchConditions: [{ name: 'c', expression }] } : {}),
  },
});

const pods = { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] };

const rowsOf = (items: ReturnType<typeof coverage>) =>
  items.map(
    (i) =>
      `${i.resource.kind}/${i.resource.namespace ? `${i.resource.namespace}/` : ''}${i.resource.name} ${i.policy} ${String(i.covered)}`,
  );

describe('the three wrong answers issue 26 names', () => {
  it('Namespace objects selected by matchConstraints are resources, not only label sources', () => {
    const gpol = policy('GeneratingPolicy', 'generate-cm', {
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['namespaces'] },
        ],
        namespaceSelector: { matchLabels: { team: 'payments' } },
      },
    });
    const resources = [
      object('v1', 'Namespace', 'testing', undefined, { team: 'payments' }),
      object('v1', 'Namespace', 'production', undefined, { team: 'payments' }),
      object('v1', 'Namespace', 'other', undefined, { team: 'billing' }),
      object('v1', 'ConfigMap', 'cm', 'testing'),
    ].map(resourceUnderTest);
    const exceptions = [
      celException([{ kind: 'GeneratingPolicy', name: 'generate-cm' }], "object.metadata.name == 'testing'"),
    ];
    expect(rowsOf(coverage(exceptions, resources, policyRules(gpol), { nowMs: NOW }))).toEqual([
      'Namespace/testing GeneratingPolicy/generate-cm true',
      'Namespace/production GeneratingPolicy/generate-cm false',
    ]);
  });

  it('an exception naming a policy not among those given is a note, not rows; the given policy gets its rows', () => {
    const given = policy('ValidatingPolicy', 'check-labels', { matchConstraints: { resourceRules: [pods] } });
    const exceptions = [celException([{ kind: 'ValidatingPolicy', name: 'other-policy' }])];
    const resources = [object('v1', 'Pod', 'web', 'payments')].map(resourceUnderTest);
    const items = coverage(exceptions, resources, policyRules(given), { nowMs: NOW });
    expect(rowsOf(items)).toEqual(['Pod/payments/web ValidatingPolicy/check-labels false']);
    expect(items[0]?.why).toBe('no exception refers to ValidatingPolicy/check-labels');
    expect(coverageNotes([given], exceptions)).toEqual([
      'exception policy-exceptions/ex names policy ValidatingPolicy/other-policy, which is not among the policies given: nothing is checked against it',
    ]);
    // The kyverno.io API too: a policyName not given is a note; a wildcard that names a given one is not.
    const kyverno = (policyName: string) => ({
      namespace: 'policy-exceptions',
      name: 'old',
      spec: {
        exceptions: [{ policyName, ruleNames: ['*'] }],
        match: { any: [{ resources: { kinds: ['Pod'] } }] },
      },
    });
    const cpol = {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'require-labels' },
      spec: { rules: [] },
    };
    expect(coverageNotes([cpol], [kyverno('require-*')])).toEqual([]);
    expect(coverageNotes([cpol], [kyverno('missing')])).toEqual([
      'exception policy-exceptions/old names policy missing, which is not among the policies given: nothing is checked against it',
    ]);
  });

  it('a StatefulSet is not evaluated by a policy whose autogen covers only Deployments', () => {
    const vpol = policy('ValidatingPolicy', 'no-privilege', {
      matchConstraints: { resourceRules: [pods] },
      autogen: { podControllers: { controllers: ['deployments'] } },
    });
    const resources = [
      object('apps/v1', 'Deployment', 'app', 'payments'),
      object('apps/v1', 'StatefulSet', 'db', 'payments'),
      object('v1', 'Pod', 'app-1', 'payments'),
    ].map(resourceUnderTest);
    const exceptions = [celException([{ kind: 'ValidatingPolicy', name: 'no-privilege' }])];
    const items = coverage(exceptions, resources, policyRules(vpol), { nowMs: NOW });
    expect(rowsOf(items)).toEqual([
      'Deployment/payments/app ValidatingPolicy/no-privilege true',
      'Pod/payments/app-1 ValidatingPolicy/no-privilege true',
    ]);
    expect(items[0]?.why).toContain("the policy's autogen for Deployment");
  });

  it('a namespaced Policy (kyverno.io and CEL) applies in its own namespace only', () => {
    const kyvernoPolicy = {
      apiVersion: 'kyverno.io/v1',
      kind: 'Policy',
      metadata: { name: 'policyA', namespace: 'ns1' },
      spec: { rules: [{ name: 'r', match: { any: [{ resources: { kinds: ['ConfigMap'] } }] } }] },
    };
    const resources = [
      object('v1', 'ConfigMap', 'a', 'ns1'),
      object('v1', 'ConfigMap', 'b', 'prod'),
      object('v1', 'Namespace', 'ns1'),
    ].map(resourceUnderTest);
    const exception = {
      namespace: 'policy-exceptions',
      name: 'ex',
      spec: {
        exceptions: [{ policyName: 'ns1/policyA', ruleNames: ['r'] }],
        match: { any: [{ resources: { kinds: ['ConfigMap'] } }] },
      },
    };
    expect(rowsOf(coverage([exception], resources, policyRules(kyvernoPolicy), { nowMs: NOW }))).toEqual([
      'ConfigMap/ns1/a ns1/policyA true',
    ]);
    // Without the policy, its name says where it lives: the same answer.
    expect(rowsOf(coverage([exception], resources, rulesNamedBy([exception]), { nowMs: NOW }))).toEqual([
      'ConfigMap/ns1/a ns1/policyA true',
    ]);
    const nvpol = policy(
      'NamespacedValidatingPolicy',
      'labels',
      { matchConstraints: { resourceRules: [{ ...pods, resources: ['configmaps', 'namespaces'] }] } },
      'ns1',
    );
    const celEx = celException([{ kind: 'NamespacedValidatingPolicy', name: 'labels' }]);
    expect(rowsOf(coverage([celEx], resources, policyRules(nvpol), { nowMs: NOW }))).toEqual([
      'ConfigMap/ns1/a NamespacedValidatingPolicy/labels true',
    ]);
  });
});

describe("a CEL policy's matchConstraints, as the API server's matcher reads them", () => {
  const selects = (p: CelPolicyDoc, doc: Doc, labels?: Record<string, string>) =>
    celPolicySelects(celPolicyMatch(p), resourceUnderTest(doc), labels).selected.covered;
  const rule = (extra: Record<string, unknown>) =>
    policy('ValidatingPolicy', 'p', { matchConstraints: { resourceRules: [{ ...pods, ...extra }] } });
  const pod = object('v1', 'Pod', 'web', 'payments', { app: 'web' });

  it('reads groups, versions, resources (with wildcards) and operations', () => {
    expect(selects(rule({}), pod)).toBe(true);
    expect(selects(rule({ resources: ['deployments'] }), pod)).toBe(false);
    expect(selects(rule({ resources: ['*'] }), pod)).toBe(true);
    expect(selects(rule({ resources: ['pods/*'] }), pod)).toBe(true);
    expect(selects(rule({ resources: ['pods/status'] }), pod)).toBe(false);
    expect(selects(rule({ apiGroups: ['apps'] }), pod)).toBe(false);
    expect(selects(rule({ apiVersions: ['v2'] }), pod)).toBe(false);
    // CONNECT concerns subresources (exec, attach): an object is never reached by it.
    expect(selects(rule({ operations: ['CONNECT'] }), pod)).toBe(false);
    expect(selects(rule({ operations: ['DELETE'] }), pod)).toBe(true);
    expect(selects(policy('ValidatingPolicy', 'p', {}), pod)).toBe(false);
  });

  it('reads scope, resourceNames (generateName by prefix) and excludeResourceRules', () => {
    const ns = object('v1', 'Namespace', 'payments');
    expect(selects(rule({ resources: ['namespaces'], scope: 'Cluster' }), ns)).toBe(true);
    expect(selects(rule({ resources: ['namespaces'], scope: 'Namespaced' }), ns)).toBe(false);
    expect(selects(rule({ resources: ['*'], scope: 'Namespaced' }), pod)).toBe(true);
    expect(selects(rule({ resources: ['*'], scope: 'Cluster' }), pod)).toBe(false);
    expect(selects(rule({ resourceNames: ['web'] }), pod)).toBe(true);
    expect(selects(rule({ resourceNames: ['api'] }), pod)).toBe(false);
    const generated = { ...pod, metadata: { generateName: 'web-', namespace: 'payments' } };
    expect(selects(rule({ resourceNames: ['web'] }), generated)).toBe(true);
    const excluding = policy('ValidatingPolicy', 'p', {
      matchConstraints: {
        resourceRules: [pods],
        excludeResourceRules: [{ ...pods, resourceNames: ['web'] }],
      },
    });
    expect(selects(excluding, pod)).toBe(false);
    expect(selects(excluding, object('v1', 'Pod', 'api', 'payments'))).toBe(true);
  });

  it('maps built-in kinds to their resources and calls a CRD it cannot map unknown', () => {
    const crd = object('example.com/v1', 'Widget', 'w', 'payments');
    const widgets = rule({ apiGroups: ['example.com'], resources: ['widgets'] });
    expect(selects(widgets, crd)).toBe('unknown');
    expect(selects(rule({ apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }), crd)).toBe(true);
    expect(selects(rule({ resources: ['widgets'] }), crd)).toBe(false);
    const ingress = object('networking.k8s.io/v1', 'Ingress', 'i', 'payments');
    expect(selects(rule({ apiGroups: ['networking.k8s.io'], resources: ['ingresses'] }), ingress)).toBe(true);
  });

  it("reads namespaceSelector from the namespace labels, each Namespace's own labels, and objectSelector", () => {
    const selecting = (selector: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      policy('ValidatingPolicy', 'p', {
        matchConstraints: {
          resourceRules: [{ ...pods, resources: ['pods', 'namespaces'] }],
          ...selector,
          ...extra,
        },
      });
    const byTeam = selecting({ namespaceSelector: { matchLabels: { team: 'payments' } } });
    expect(selects(byTeam, pod, { team: 'payments' })).toBe(true);
    expect(selects(byTeam, pod, { team: 'billing' })).toBe(false);
    expect(selects(byTeam, pod)).toBe('unknown');
    expect(selects(byTeam, object('v1', 'Namespace', 'payments', undefined, { team: 'payments' }))).toBe(
      true,
    );
    expect(selects(byTeam, object('v1', 'Namespace', 'billing'))).toBe(false);
    // The API server sets kubernetes.io/metadata.name on every namespace: that much is known.
    const byName = selecting({
      namespaceSelector: {
        matchExpressions: [
          { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
        ],
      },
    });
    expect(selects(byName, pod)).toBe(true);
    expect(selects(byName, object('v1', 'Pod', 'x', 'kube-system'))).toBe(false);
    const byObject = selecting({ objectSelector: { matchLabels: { app: 'web' } } });
    expect(selects(byObject, pod)).toBe(true);
    expect(selects(byObject, object('v1', 'Pod', 'api', 'payments', { app: 'api' }))).toBe(false);
  });
});

describe("a CEL policy's own matchConditions and autogen", () => {
  const prodOnly = {
    matchConstraints: { resourceRules: [pods] },
    matchConditions: [
      {
        name: 'prod',
        expression: "has(object.metadata.labels.prod) && object.metadata.labels.prod == 'true'",
      },
    ],
  };
  const deployment = (name: string, templateLabels: Record<string, string>, namespace = 'payments') =>
    object(
      'apps/v1',
      'Deployment',
      name,
      namespace,
      {},
      { template: { metadata: { labels: templateLabels }, spec: {} } },
    );

  it('an ImageValidatingPolicy checks its conditions first: a false one leaves no row, whatever the exception', () => {
    const ivpol = policy('ImageValidatingPolicy', 'images', prodOnly);
    const resources = [deployment('prod', { prod: 'true' }), deployment('dev', {})].map(resourceUnderTest);
    const exceptions = [celException([{ kind: 'ImageValidatingPolicy', name: 'images' }])];
    // Autogen rewrites object.metadata to the Pod template's: the Deployment's template labels decide.
    expect(rowsOf(coverage(exceptions, resources, policyRules(ivpol), { nowMs: NOW }))).toEqual([
      'Deployment/payments/prod ImageValidatingPolicy/images true',
    ]);
  });

  it('a ValidatingPolicy applies an exception before its conditions: Kyverno reports the skip', () => {
    const vpol = policy('ValidatingPolicy', 'labels', prodOnly);
    const resources = [object('v1', 'Pod', 'dev', 'payments'), object('v1', 'Pod', 'other', 'payments')].map(
      resourceUnderTest,
    );
    const exceptions = [
      celException([{ kind: 'ValidatingPolicy', name: 'labels' }], "object.metadata.name == 'dev'"),
    ];
    const items = coverage(exceptions, resources, policyRules(vpol), { nowMs: NOW });
    expect(rowsOf(items)).toEqual(['Pod/payments/dev ValidatingPolicy/labels true']);
    expect(items[0]?.why).toContain("before the policy's own match conditions");
  });

  it("a condition that reads the request is unknown; the namespace stays the controller's own", () => {
    const admission = policy('MutatingPolicy', 'm', {
      matchConstraints: { resourceRules: [pods] },
      matchConditions: [{ name: 'op', expression: "request.operation == 'CREATE'" }],
    });
    const [item] = coverage(
      [celException([{ kind: 'MutatingPolicy', name: 'm' }])],
      [resourceUnderTest(object('v1', 'Pod', 'web', 'payments'))],
      policyRules(admission),
      { nowMs: NOW },
    );
    expect(item).toMatchObject({ covered: 'unknown' });
    expect(item?.why).toContain('reads admission data');
    const byNamespace = celPolicyMatch(
      policy('ValidatingPolicy', 'n', {
        matchConstraints: { resourceRules: [pods] },
        matchConditions: [
          { name: 'ns', expression: "object.metadata.namespace == 'payments' && object.spec.x == 1" },
        ],
      }),
    );
    expect(byNamespace.variants.map((v) => v.conditions[0]?.expression)).toEqual([
      "object.metadata.namespace == 'payments' && object.spec.x == 1",
      "object.metadata.namespace == 'payments' && object.spec.jobTemplate.spec.template.spec.x == 1",
      "object.metadata.namespace == 'payments' && object.spec.template.spec.x == 1",
    ]);
  });

  it('makes autogen variants only for a Pods-only rule, and none for an empty controller list', () => {
    const variants = (spec: NonNullable<CelPolicyDoc['spec']>, kind = 'ValidatingPolicy') =>
      celPolicyMatch(policy(kind, 'p', spec)).variants.map((v) => v.kinds?.join(',') ?? 'policy');
    expect(variants({ matchConstraints: { resourceRules: [pods] } })).toEqual([
      'policy',
      'CronJob',
      'DaemonSet,Deployment,ReplicaSet,StatefulSet,Job',
    ]);
    expect(
      variants({
        matchConstraints: { resourceRules: [pods] },
        autogen: { podControllers: { controllers: [] } },
      }),
    ).toEqual(['policy']);
    expect(variants({ matchConstraints: { resourceRules: [{ ...pods, resourceNames: ['x'] }] } })).toEqual([
      'policy',
    ]);
    expect(
      variants({ matchConstraints: { resourceRules: [pods], objectSelector: { matchLabels: { a: 'b' } } } }),
    ).toEqual(['policy']);
    expect(variants({ matchConstraints: { resourceRules: [pods] } }, 'GeneratingPolicy')).toEqual(['policy']);
    expect(
      variants({ matchConstraints: { resourceRules: [pods] } }, 'NamespacedImageValidatingPolicy'),
    ).toHaveLength(3);
  });
});

describe('bad input', () => {
  it('a matchConditions expression that does not compile is a finding naming the policy and the expression', () => {
    const broken = policy('ValidatingPolicy', 'broken', {
      matchConstraints: { resourceRules: [pods] },
      matchConditions: [{ name: 'bad', expression: 'object.metadata.name ==' }],
    });
    expect(celPolicyFindings(broken)).toEqual([
      expect.stringMatching(
        /^ValidatingPolicy\/broken: matchConditions bad does not compile \(.+\): object\.metadata\.name ==; Kyverno does not load the policy/,
      ) as unknown,
    ]);
    expect(coverageNotes([broken], [])).toHaveLength(1);
    // Kyverno loads nothing of it: no rows, and no crash.
    expect(policyRules(broken)).toEqual([]);
    const deleting = policy('DeletingPolicy', 'old', {
      matchConstraints: { resourceRules: [pods] },
      conditions: [{ name: 'age', expression: '((' }],
    });
    expect(celPolicyFindings(deleting)[0]).toContain('DeletingPolicy/old: conditions age does not compile');
  });

  it('a resource rule with an empty list is a finding: Kyverno matches nothing with it', () => {
    const sloppy = policy('ImageValidatingPolicy', 'images', {
      matchConstraints: { resourceRules: [{ resources: ['pods'], operations: ['CREATE'] }] },
    });
    expect(celPolicyFindings(sloppy)).toEqual([
      'ImageValidatingPolicy/images: matchConstraints.resourceRules[0].apiGroups is empty: the rule matches nothing',
      'ImageValidatingPolicy/images: matchConstraints.resourceRules[0].apiVersions is empty: the rule matches nothing',
    ]);
    const pod = resourceUnderTest(object('v1', 'Pod', 'web', 'payments'));
    expect(coverage([], [pod], policyRules(sloppy), { nowMs: NOW })).toEqual([]);
  });

  it('a ValidatingPolicy in JSON mode evaluates no Kubernetes object, and says so', () => {
    const json = policy('ValidatingPolicy', 'payloads', {
      matchConstraints: { resourceRules: [pods] },
      evaluation: { mode: 'JSON' },
    });
    const pod = resourceUnderTest(object('v1', 'Pod', 'web', 'payments'));
    expect(coverage([], [pod], policyRules(json), { nowMs: NOW })).toEqual([]);
    expect(celPolicyFindings(json)).toEqual([
      'ValidatingPolicy/payloads: evaluation.mode is JSON: it judges JSON payloads, never the Kubernetes objects given',
    ]);
  });
});
